// Snippets run with a console (the runner captures it); declare just that for type checking.
declare const console: { log(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
