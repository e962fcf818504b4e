/** The help texts: the overview and one per command. */

const CONFIG_NOTE = 'Configuration comes from REDIS_* environment variables (see .env.example and `redis-kit config`).';

export const USAGE = {
  main: `usage: redis-kit <command> [flags]

commands:
  serve     run the reference service: the dashboard at /, health checks at /health
  doctor    check the Redis the configuration points at: reachability, auth, ACL, limits, topology
  bench     measure throughput and latency with a GET/SET mix
  config    print the effective configuration, secrets masked, and where each value came from

flags:
  -h, --help       this help; \`redis-kit <command> --help\` for a command's
  -v, --version    print the version

${CONFIG_NOTE}`,
  serve: `usage: redis-kit serve [--port N] [--host ADDRESS]

Runs the reference service: the dashboard at /, health checks at /health, /health/live and
/health/ready. It starts whether or not Redis is reachable. SIGINT or SIGTERM stop it (exit 0).
HEALTH_DEBUG_ROUTES=1 also serves the full report at /debug/health/redis (off by default: it shows
the Redis host, version, memory and clients).

flags:
  --port N         port to listen on, 0 to 65535 (default: env PORT, else 3000; 0 picks a free one)
  --host ADDRESS   address to listen on (default: env HOST, else 127.0.0.1)
  -h, --help       this help

${CONFIG_NOTE}`,
  doctor: `usage: redis-kit doctor [--processes N] [--json]

Connects with the effective configuration and checks, one line each (pass / warn / fail and what to do):
DNS, TCP, TLS, AUTH, ACL permissions, latency, server version, maxmemory and policy, persistence,
maxclients headroom, Cluster / Sentinel topology, client-side caching. Exits 1 when any check fails.

flags:
  --processes N    processes that will share this Redis, for the maxclients check (default 1)
  --json           print one JSON document instead of lines
  -h, --help       this help

${CONFIG_NOTE}`,
  bench: `usage: redis-kit bench [--operations N] [--concurrency N] [--value-size BYTES] [--duration SECONDS] [--read-ratio R] [--json]

Runs a GET/SET mix against the configured Redis and reports ops/s and latency percentiles.
The probe's keys ({redis-kit:probe}:*) are deleted afterwards.

flags:
  --operations N       operations to run, 1 to 1000000 (default 10000; with --duration, a cap, default 1000000)
  --concurrency N      operations in flight, 1 to 1000 (default 10)
  --value-size BYTES   SET value size, 1 to 1048576 (default 100)
  --duration SECONDS   run for this long instead of a count, 0.1 to 600
  --read-ratio R       share of GETs, 0 to 1 (default 0.5)
  --json               print one JSON document; no progress bar
  -h, --help           this help

${CONFIG_NOTE}`,
  config: `usage: redis-kit config [--url URL] [--json]

Prints every option: its environment variable, its effective value (passwords as ***) and where it
came from (default, environment, flag).

flags:
  --url URL        use this URL instead of REDIS_URL (shown as coming from a flag)
  --json           print one JSON document
  -h, --help       this help

${CONFIG_NOTE}`,
} as const;

export type CommandName = Exclude<keyof typeof USAGE, 'main'>;

export function isCommand(name: string): name is CommandName {
  return name !== 'main' && Object.hasOwn(USAGE, name);
}
