// Type blanking for the transpiler (runner/transpile.ts): TypeScript-only syntax in expressions
// (`as`, `satisfies`, `<T>x`), functions and parameters, classes and their members is replaced by
// spaces (the ts-blank-space approach), so every remaining character keeps its line and column;
// what would need code generation (decorators, parameter properties) is refused.
import { child, flag, isUnnamedValue, jsonString, list, nodes, type AstNode } from "./transpile-ast";
import { TS_MODIFIERS } from "./transpile-base";
import { NameBinding } from "./transpile-names";

export abstract class TypeBlanking extends NameBinding {
  protected refuseDecorator(n: AstNode): never {
    return this.refuse(
      "unsupported",
      "Decorators are not supported in a snippet; call the decorator function yourself instead (e.g. `C = dec(C)`).",
      n,
    );
  }

  protected refuseParameterProperty(n: AstNode): never {
    return this.refuse(
      "unsupported",
      "Constructor parameter properties (`constructor(private x: number)`) are not supported in a snippet; declare the field in the class body and assign it in the constructor: `x: number; constructor(x: number) { this.x = x; }`.",
      n,
    );
  }

  // --- TypeScript expressions ----------------------------------------------------------------------

  /** `expr as T`, `expr satisfies T`: blank from the keyword (after any `)` closing expr) to the end. */
  protected visitTypeOperator(n: AstNode): void {
    const e = child(n, "expression");
    this.visit(e);
    if (!e) return;
    const kw = this.skipOver(e.end, ")");
    this.ed.blank(kw, n.end);
  }

  /** `<T>expr`: blank `<T>`; when a newline follows it, keep the old grouping with `(   expr)`. */
  protected visitAngleAssertion(n: AstNode): void {
    const e = child(n, "expression");
    const t = child(n, "typeAnnotation");
    if (!e) return;
    const gt = t ? this.skipOver(t.end, "") : n.start;
    const typeEnd = this.src[gt] === ">" ? gt + 1 : gt;
    this.ed.blank(n.start, typeEnd);
    if (this.hasLineTerminator(n.start, e.start)) {
      // `return <T>\n x` would return undefined once blanked: `return (\n x)` keeps x.
      this.ed.override(n.start, "(");
      this.visit(e);
      this.ed.insert(n.end, ")");
      return;
    }
    this.visit(e);
  }

  protected visitFunction(n: AstNode): void {
    this.blankNode(child(n, "typeParameters"));
    const params = list(n, "params");
    params.forEach((p, i) => {
      if (!p) return;
      if (p.type === "TSParameterProperty") return this.refuseParameterProperty(p);
      if (i === 0 && p.type === "Identifier" && p.name === "this") return this.blankWithComma(p);
      this.visitParameter(p);
    });
    const returnType = child(n, "returnType");
    if (returnType) {
      if (n.type === "ArrowFunctionExpression") this.blankArrowReturnType(n, params, returnType);
      else this.blankNode(returnType);
    }
    this.visit(child(n, "body"));
  }

  protected visitParameter(p: AstNode): void {
    const id = p.type === "AssignmentPattern" ? child(p, "left") : p;
    if (id && flag(id, "optional")) {
      // `a?`, `a?: T`, `{a}?: T`: the `?` follows the name (or the pattern's closing bracket).
      if (id.type === "Identifier") this.blankChar(this.identifierEnd(id.start), "?");
      else {
        const t = child(id, "typeAnnotation");
        let q = t ? t.start - 1 : id.end - 1;
        while (q > id.start && /\s/.test(this.src[q])) q--;
        if (this.src[q] === "?") this.ed.blank(q, q + 1);
      }
    }
    this.visitPattern(p);
  }

  /**
   * `(a): T => x`. Blanking `: T` is enough unless a newline would then sit between `)` and `=>`
   * (a multi-line return type): then the `)` moves to the type's last character (ts-blank-space).
   */
  protected blankArrowReturnType(n: AstNode, params: Array<AstNode | null>, returnType: AstNode): void {
    const s = this.src;
    const last = params.length ? params[params.length - 1] : null;
    let paren: number;
    if (last) paren = this.skipOver(last.end, ",");
    else {
      const tp = child(n, "typeParameters");
      const open = s.indexOf("(", tp ? tp.end : n.start);
      paren = this.skip(open + 1);
    }
    if (s[paren] === ")" && this.hasLineTerminator(paren, returnType.end)) {
      this.ed.blank(paren, returnType.end);
      this.ed.override(returnType.end - 1, ")");
      return;
    }
    this.ed.blank(returnType.start, returnType.end);
  }

  protected visitClass(n: AstNode): void {
    const decorators = nodes(n, "decorators");
    if (decorators.length) this.refuseDecorator(decorators[0]);
    if (flag(n, "declare")) return this.blankStatement(n);
    if (flag(n, "abstract") && this.src.startsWith("abstract", n.start)) this.ed.blank(n.start, n.start + 8);
    this.blankNode(child(n, "typeParameters"));
    this.visit(child(n, "superClass"));
    this.blankNode(child(n, "superTypeParameters"));
    const impl = nodes(n, "implements");
    if (impl.length) {
      const kw = this.src.lastIndexOf("implements", impl[0].start);
      this.ed.blank(kw >= n.start ? kw : impl[0].start, impl[impl.length - 1].end);
    }
    const body = child(n, "body");
    if (body) for (const m of nodes(body, "body")) this.visitMember(m);
  }

  protected visitMember(m: AstNode): void {
    if (m.type !== "MethodDefinition" && m.type !== "PropertyDefinition") return this.visit(m);
    const decorators = nodes(m, "decorators");
    if (decorators.length) this.refuseDecorator(decorators[0]);
    const key = child(m, "key");
    const value = child(m, "value");
    if (!key) return this.visitChildren(m);
    if (m.type === "PropertyDefinition" && (flag(m, "declare") || flag(m, "abstract"))) return this.blankStatement(m);
    if (m.type === "MethodDefinition" && value?.type === "TSDeclareMethod") return this.blankStatement(m);
    // Modifiers: the words before the key. `;` first, so `x = a\nprivate [k] = 1` stays two members.
    // (Only at the member's very start: `static ;` would declare a field named "static".)
    const memberStart = this.skip(m.start);
    for (let p = memberStart; p < key.start; p = this.skip(p)) {
      const e = this.identifierEnd(p);
      if (e === p) break;
      if (TS_MODIFIERS.has(this.src.slice(p, e))) {
        this.ed.blank(p, e);
        if (p === memberStart) this.ed.override(p, ";");
      }
      p = e;
    }
    const computed = flag(m, "computed");
    if (computed) this.visit(key);
    this.blankNode(child(m, "typeParameters"));
    if (flag(m, "optional")) this.blankChar(key.end, "?", "]");
    if (flag(m, "definite")) this.blankChar(key.end, "!", "]");
    if (m.type === "MethodDefinition") return this.visit(value);
    // A field: `w = expr` binds "w", like `this.w = expr`.
    const type = child(m, "typeAnnotation");
    this.blankNode(type);
    if (value) {
      const name = computed && key.type !== "Literal" ? null : key.type === "Literal" ? String(key.value) : this.rawTargetName(key);
      const close =
        name !== null && !isUnnamedValue(value)
          ? this.wrap(type ? type.end : key.end, value, "__lens.bind(", `, ${jsonString(name)}, ${this.pos(key.start)})`)
          : null;
      this.visit(value);
      close?.();
    }
    this.endStatement(m);
  }

  // --- loops ---------------------------------------------------------------------------------------
}
