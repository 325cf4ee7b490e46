// The bytes of JSON's structure, read by the parent's byte-level scanners (json-stream.ts parses a
// line as it arrives, message-cost.ts estimates what it will cost). All ASCII: UTF-8 never puts an
// ASCII byte inside a multi-byte character, so a scanner can look at bytes alone.
export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
