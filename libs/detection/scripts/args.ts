/** Minimal `--name value` / `--flag` argument reader for the scripts. */
export function readArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) continue;
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) out.set(name, inline);
    else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) out.set(name, argv[++i] as string);
    else out.set(name, 'true');
  }
  return out;
}
