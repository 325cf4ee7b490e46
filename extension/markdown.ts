// Safe Markdown building blocks for hovers (pure). User text — names, messages, values — never
// becomes markup: it is escaped, or put in a code span whose fence is longer than any backtick run
// inside it.

/** Backslash-escape every character Markdown (CommonMark + VS Code's renderer) could treat as markup. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, "\\$&")
    .replace(/\r?\n/g, "  \n");
}

/** `text` as an inline code span, whatever backticks it contains. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, " ");
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || (flat.startsWith(" ") && flat.endsWith(" ") && flat.trim()) ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A `command:` link target with JSON arguments (what VS Code's trusted Markdown links run). */
export function commandUri(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}
