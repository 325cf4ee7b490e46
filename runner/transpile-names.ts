// Name binding for the transpiler (runner/transpile.ts): initialisers and assigned values are
// wrapped in `__lens.bind(value, "name", line, column)`, destructuring in
// `__lens.bindPattern(value, descriptor, line, column)`, so the graph can name the tensors.
import type { PatternDescriptor } from "./transpile";
import { child, flag, list, nodes, jsonString, isUnnamedValue, propertyKey, stripTypeWrappers, type AstNode } from "./transpile-ast";
import { TranspilerBase } from "./transpile-base";

export abstract class NameBinding extends TranspilerBase {
  protected visitVariables(n: AstNode, isStatement: boolean): void {
    if (flag(n, "declare")) return this.blankStatement(n);
    for (const d of nodes(n, "declarations")) {
      const id = child(d, "id");
      const init = child(d, "init");
      if (!id) continue;
      if (flag(d, "definite")) this.blankChar(id.type === "Identifier" ? this.identifierEnd(id.start) : id.start, "!");
      this.visitPattern(id);
      if (!init) continue;
      let close: (() => void) | null = null;
      if (id.type === "Identifier") {
        if (!isUnnamedValue(init)) close = this.wrap(id.end, init, "__lens.bind(", `, ${JSON.stringify(String(id.name))}, ${this.pos(id.start)})`);
      } else {
        close = this.wrap(id.end, init, "__lens.bindPattern(", `, ${this.descriptorJson(id)}, ${this.pos(id.start)})`);
      }
      this.visit(init);
      close?.();
    }
    if (isStatement) this.endStatement(n);
  }

  /** A binding pattern (declaration, parameter, catch): blank its types, wrap its defaults. */
  protected visitPattern(p: AstNode | null): void {
    if (!p) return;
    if (p.type === "Identifier") {
      this.blankNode(child(p, "typeAnnotation"));
      return;
    }
    this.visit(p);
  }

  protected visitAssignment(n: AstNode): void {
    const left = child(n, "left");
    const right = child(n, "right");
    if (!left || !right) return this.visitChildren(n);
    let close: (() => void) | null = null;
    if (n.operator === "=") {
      const target = stripTypeWrappers(left);
      if (target.type === "ObjectPattern" || target.type === "ArrayPattern") {
        close = this.wrap(left.end, right, "__lens.bindPattern(", `, ${this.descriptorJson(target)}, ${this.pos(target.start)})`);
      } else if (!isUnnamedValue(right)) {
        const name = this.targetName(target);
        close = this.wrap(left.end, right, "__lens.bind(", `, ${jsonString(name)}, ${this.pos(target.start)})`);
      }
    }
    this.visit(left);
    this.visit(right);
    close?.();
  }

  /** `a = expr` inside a pattern or parameter list: the default is bound to the name too. */
  protected visitDefault(n: AstNode): void {
    const left = child(n, "left");
    const right = child(n, "right");
    if (!left || !right) return this.visitChildren(n);
    const target = stripTypeWrappers(left);
    let close: (() => void) | null = null;
    if (!isUnnamedValue(right) && target.type !== "ObjectPattern" && target.type !== "ArrayPattern") {
      close = this.wrap(left.end, right, "__lens.bind(", `, ${jsonString(this.targetName(target))}, ${this.pos(target.start)})`);
    }
    this.visitPattern(left);
    this.visit(right);
    close?.();
  }

  /** `x`, `obj.w`, `this.w` → "w", `a[0]`: the name an assignment target gives its value. */
  protected targetName(n: AstNode): string {
    const name = this.rawTargetName(n);
    return name.startsWith("this.") ? name.slice(5) : name;
  }

  protected rawTargetName(n: AstNode): string {
    switch (n.type) {
      case "Identifier":
        return String(n.name);
      case "ThisExpression":
        return "this";
      case "Super":
        return "super";
      case "PrivateIdentifier":
        return `#${String(n.name)}`;
      case "MemberExpression": {
        const object = child(n, "object");
        const property = child(n, "property");
        if (!object || !property) break;
        const o = this.rawTargetName(stripTypeWrappers(object));
        if (flag(n, "computed")) return `${o}[${this.sourceText(property)}]`;
        return `${o}.${this.rawTargetName(property)}`;
      }
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
      case "ParenthesizedExpression":
        return this.rawTargetName(stripTypeWrappers(n));
    }
    return this.sourceText(n);
  }

  protected descriptorJson(p: AstNode): string {
    return jsonString(this.descriptor(p));
  }

  protected descriptor(p: AstNode): PatternDescriptor {
    switch (p.type) {
      case "AssignmentPattern": {
        const left = child(p, "left");
        if (!left) break;
        return { ...this.descriptor(left), default: true };
      }
      case "ArrayPattern":
        return {
          array: list(p, "elements").map((e) => {
            if (!e) return null;
            if (e.type === "RestElement") return { rest: this.descriptorOf(child(e, "argument")) };
            return this.descriptor(e);
          }),
        };
      case "ObjectPattern":
        return {
          object: nodes(p, "properties").map((pr) => {
            if (pr.type === "RestElement") return { rest: this.descriptorOf(child(pr, "argument")) };
            return { key: propertyKey(pr), target: this.descriptorOf(child(pr, "value")) };
          }),
        };
    }
    const t = stripTypeWrappers(p);
    const at = this.lc(t.start);
    return { name: this.targetName(t), line: at.line, column: at.column };
  }

  protected descriptorOf(p: AstNode | null): PatternDescriptor {
    return p ? this.descriptor(p) : { array: [] };
  }

  // --- functions and classes -----------------------------------------------------------------------
}
