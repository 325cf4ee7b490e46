// New Snippet's gallery (extension/gallery.ts): the shipped list is valid and every example it names
// exists and runs in its front end's terms; damaged lists are refused with a message; untitled names
// do not collide.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { languageOf, parseGallery, untitledName } from "../../extension/gallery";

const EXAMPLES = path.resolve(__dirname, "../../examples");

describe("the example gallery", () => {
  const gallery = parseGallery(fs.readFileSync(path.join(EXAMPLES, "gallery.json"), "utf8"));

  it("starts with the textbook example and names only files that exist, each with a title", () => {
    expect(gallery[0]!.file).toBe("autograd-basics.ts");
    expect(gallery.length).toBeGreaterThanOrEqual(4);
    for (const e of gallery) {
      expect(fs.existsSync(path.join(EXAMPLES, e.file)), e.file).toBe(true);
      expect(e.title.length).toBeGreaterThan(5);
    }
    expect(new Set(gallery.map((e) => e.file)).size).toBe(gallery.length);
  });

  it("offers every example of examples/ (nothing left out by mistake)", () => {
    const onDisk = fs.readdirSync(EXAMPLES).filter((f) => /\.(ts|py)$/.test(f) && !f.endsWith(".d.ts"));
    expect(gallery.map((e) => e.file).sort()).toEqual(onDisk.sort());
  });

  it("refuses a damaged list with a message that says what is wrong", () => {
    expect(() => parseGallery("{}")).toThrow(/expected an array/);
    expect(() => parseGallery('[{"title": "x"}]')).toThrow(/entry 0 has no valid file name/);
    expect(() => parseGallery('[{"file": "../../etc/passwd.ts", "title": "x"}]')).toThrow(/no valid file name/);
    expect(() => parseGallery('[{"file": "a.ts"}]')).toThrow(/entry 0 \(a\.ts\) has no title/);
    expect(() => parseGallery("not json")).toThrow();
  });

  it("knows each example's language", () => {
    expect(languageOf("a.ts")).toBe("typescript");
    expect(languageOf("a.js")).toBe("javascript");
    expect(languageOf("training-loop.py")).toBe("python");
  });

  it("names the untitled editor after the example, numbered when that name is open already", () => {
    expect(untitledName("manual-sgd.ts", new Set())).toBe("manual-sgd.ts");
    expect(untitledName("manual-sgd.ts", new Set(["manual-sgd.ts"]))).toBe("manual-sgd-2.ts");
    expect(untitledName("loop.py", new Set(["loop.py", "loop-2.py"]))).toBe("loop-3.py");
  });
});
