// "New Snippet": the example gallery (examples/gallery.json, shipped in dist/examples/) offered in a
// quick pick, and the name of the untitled editor a pick opens in (its tab shows the example's file
// name, not the first characters of its text). Pure helpers: no vscode here.

export interface GalleryEntry {
  /** File name in examples/ (also the untitled editor's name). */
  file: string;
  title: string;
  detail: string;
}

/** The gallery file's entries; throws a message naming what is wrong (the file ships with us, but check anyway). */
export function parseGallery(text: string): GalleryEntry[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error("gallery.json: expected an array of examples");
  return data.map((e: unknown, i) => {
    const r = (e ?? {}) as Record<string, unknown>;
    const { file, title, detail } = r;
    if (typeof file !== "string" || !/^[\w.-]+\.(ts|js|py)$/.test(file)) throw new Error(`gallery.json: entry ${i} has no valid file name`);
    if (typeof title !== "string" || !title) throw new Error(`gallery.json: entry ${i} (${file}) has no title`);
    return { file, title, detail: typeof detail === "string" ? detail : "" };
  });
}

/** The language of an example by its extension. */
export function languageOf(file: string): "typescript" | "javascript" | "python" {
  return file.endsWith(".py") ? "python" : file.endsWith(".js") ? "javascript" : "typescript";
}

/**
 * The untitled editor's name for `file`: the file name itself, or `name-2.ts`, `name-3.ts` … when an
 * untitled editor of that name is open already (VS Code would otherwise show that one again).
 */
export function untitledName(file: string, taken: ReadonlySet<string>): string {
  if (!taken.has(file)) return file;
  const dot = file.lastIndexOf(".");
  const stem = file.slice(0, dot), ext = file.slice(dot);
  for (let k = 2; ; k++) {
    const name = `${stem}-${k}${ext}`;
    if (!taken.has(name)) return name;
  }
}
