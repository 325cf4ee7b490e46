// Text a snippet made, made safe for a terminal: control characters (escape sequences that move the
// cursor, retitle the window, clear the screen; bells; carriage returns that overwrite a line) are
// shown as visible escapes instead of being obeyed. Newlines and tabs stay.

// C0 controls but \t and \n, DEL, C1 controls, and the bidirectional overrides (which reorder text).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
