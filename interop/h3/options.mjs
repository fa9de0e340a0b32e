// Command-line options shared by the harness's scripts: `--name value` pairs,
// `--version v1|v2` (default v1) and a required `--password`.

export function usage(msg) {
  process.stderr.write(`usage error: ${msg}\n`);
  process.exit(2);
}

export function parseOptions(args) {
  const opts = {};
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith("--") || i + 1 >= args.length) usage(`bad argument ${args[i]}`);
    opts[args[i].slice(2)] = args[i + 1];
  }
  opts.version = opts.version ?? "v1";
  if (opts.version !== "v1" && opts.version !== "v2") usage("--version must be v1 or v2");
  if (!opts.password) usage("--password is required");
  return opts;
}
