/** Exit codes and colours of the CLIs; colours only on a terminal. */
export const exitCodes = { ok: 0, invalidInput: 1, usage: 2, checkDiffers: 3 } as const;

const colour = (code: number) => (s: string): string => (process.stderr.isTTY && !process.env['NO_COLOR'] ? `\u001b[${code}m${s}\u001b[0m` : s);
export const paint = { red: colour(31), yellow: colour(33), green: colour(32) };
