// The version the CLI reports and the bytecode cache keys on.
export const VERSION = '0.1.0';
