/**
 * The local stack (Kafka + Apicurio) as detached child processes: up, down, status, logs.
 * State (pids, ports) lives in <runDir>/state.json so a second `up` reuses what runs and `down` finds it.
 * With `owner`, the services this stack starts stop when the owner process ends, however it ends (src/infra/owner.ts);
 * without, they run until `down` (the background mode of `kamf infra up`).
 */
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KamfError } from '../core/errors.js';
import { ensureArtifacts } from './fetch.js';
import { isAlive, readJson, spawnService, stopProcess, tailFile, type Spawned } from './process.js';
import { ownerMarker, processRef, scanStackProcesses, startWatchdog, stopOrphans, type ProcessRef } from './owner.js';
import { isPortFree } from './ports.js';
import { silent, type Progress } from './progress.js';
import { addScramUser, clientSecurity, ensureSecureMaterial, type ClientSecurity, type SecureMaterial, type SecureStackOptions } from './secure.js';
import { kafkaHealthy, logFileOf, prepareKafka, registryArgs, registryHealthy, type KafkaClientAuth } from './services.js';
import { findJava } from './tools.js';

export type ServiceName = 'kafka' | 'registry';

export interface StackOptions {
  /** Download cache (jars); shared by every stack of this checkout. */
  cacheDir: string;
  /** Runtime directory: data, logs, state. The dev stack uses <cache>/run; tests use a temp dir. */
  runDir: string;
  host?: string;
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  registryStorage?: 'kafkasql' | 'mem';
  javaHome?: string;
  startTimeoutMs?: number;
  services?: { kafka: boolean; registry: boolean };
  progress?: Progress;
  /**
   * Pid of the process that owns the services this stack starts (usually `process.pid`): they stop when that
   * process ends, even by SIGKILL, and a later `up` stops any whose owner is gone. Unset: they run until `down`.
   */
  owner?: number;
  /**
   * The secured broker: SASL/SCRAM-SHA-512 (over TLS with a generated CA unless `tls: false`), the StandardAuthorizer,
   * `admin` as super user (src/infra/secure.ts). Needs a run directory of its own: credentials go in at format time.
   */
  secure?: SecureStackOptions;
}

export interface ServiceState {
  pid: number;
  port: number;
  address: string;
  logFile: string;
  startedAt: string;
  /** The owning process, for a service that stops with it. */
  owner?: number;
  /** The watchdog that stops the service once the owner is gone. */
  watchdog?: number;
}

export interface ServiceStatus {
  name: ServiceName;
  state: 'running' | 'starting' | 'stopped';
  healthy: boolean;
  address: string;
  pid?: number;
  /** The process the service stops with (unset: it runs until `down`). */
  owner?: number;
  logFile: string;
}

type StateFile = Partial<Record<ServiceName, ServiceState>>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LocalStack {
  readonly host: string;
  private readonly progress: Progress;
  private readonly stateFile: string;
  private readonly owner: ProcessRef | undefined;
  private material: SecureMaterial | undefined;

  constructor(private readonly opts: StackOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.progress = opts.progress ?? silent;
    this.opts.runDir = resolve(opts.runDir);
    this.stateFile = join(this.opts.runDir, 'state.json');
    this.owner = opts.owner === undefined ? undefined : processRef(opts.owner);
  }

  get kafkaAddress(): string {
    return `${this.host}:${this.opts.kafkaPort}`;
  }
  get registryUrl(): string {
    return `http://${this.host}:${this.opts.registryPort}/apis/ccompat/v7`;
  }

  private readState(): StateFile {
    return readJson<StateFile>(this.stateFile) ?? {};
  }
  private writeState(state: StateFile): void {
    mkdirSync(this.opts.runDir, { recursive: true });
    writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
  }

  private wanted(): ServiceName[] {
    const s = this.opts.services ?? { kafka: true, registry: true };
    return (['kafka', 'registry'] as const).filter((n) => s[n]);
  }

  private healthy(name: ServiceName): Promise<boolean> {
    return name === 'kafka' ? kafkaHealthy(this.kafkaAddress, 3000, this.adminAuth()) : registryHealthy(this.registryUrl);
  }

  /** The secured stack's secrets (CA, admin and user passwords), created on first use; undefined when not secured. */
  async security(): Promise<SecureMaterial | undefined> {
    if (!this.opts.secure) return undefined;
    this.material ??= await ensureSecureMaterial(this.opts.runDir, this.host, this.opts.secure.tls ?? true);
    return this.material;
  }

  /** Client settings (SASL, TLS) for a principal of the secured stack, the admin by default. */
  async clientSecurity(user?: string): Promise<ClientSecurity | undefined> {
    const m = await this.security();
    return m ? clientSecurity(m, user) : undefined;
  }

  /** Creates (or re-keys) SCRAM users on the running secured broker; returns each user's password. */
  async addUsers(users: readonly string[]): Promise<Record<string, string>> {
    const m = await this.security();
    if (!m) throw new KamfError('CONFIG_INVALID', 'this stack is not secured: it has no SCRAM users', { hint: 'Start it with kamf infra up --secure.' });
    const java = await findJava(17, this.opts.javaHome);
    const { kafkaClasspath } = await ensureArtifacts(this.opts.cacheDir, this.progress, { kafka: true, registry: false });
    const out: Record<string, string> = {};
    for (const u of users) out[u] = await addScramUser(java.bin, kafkaClasspath!, this.kafkaAddress, m, u);
    return out;
  }

  private adminAuth(): KafkaClientAuth {
    const m = this.material;
    if (!m) return {};
    const c = clientSecurity(m);
    return { sasl: c.sasl, ...(c.tls ? { ssl: { ca: [readFileSync(c.tls.caFile, 'utf8')], rejectUnauthorized: true } } : {}) };
  }

  /** Start what is not running; reuse what is. Resolves when every service answers its health check. */
  async up(): Promise<ServiceStatus[]> {
    // services of any stack whose owner died with its watchdog: they would hold ports and memory forever
    await stopOrphans(this.progress);
    await this.security();
    const wanted = this.wanted();
    const state = this.readState();
    const toStart: ServiceName[] = [];
    for (const name of wanted) {
      const s = state[name];
      if (s && isAlive(s.pid)) {
        this.progress({ service: name, phase: 'reuse', message: `already running (pid ${s.pid}) at ${s.address}` });
        continue;
      }
      toStart.push(name);
    }
    if (toStart.length > 0) {
      const java = await findJava(17, this.opts.javaHome);
      for (const name of toStart) await this.assertPortFree(name);
      const artifacts = await ensureArtifacts(this.opts.cacheDir, this.progress, {
        kafka: toStart.includes('kafka'),
        registry: toStart.includes('registry'),
      });
      mkdirSync(join(this.opts.runDir, 'logs'), { recursive: true });
      const material = await this.security();
      const storage = this.opts.registryStorage ?? 'kafkasql';
      const startKafka = async () => {
        const prepared = await prepareKafka(java.bin, {
          runDir: this.opts.runDir,
          host: this.host,
          kafkaPort: this.opts.kafkaPort,
          controllerPort: this.opts.controllerPort,
          classpath: artifacts.kafkaClasspath!,
          ...(material ? { secure: { material, users: this.opts.secure?.users ?? [] } } : {}),
        });
        this.progress({ service: 'kafka', phase: 'format', message: 'storage formatted' });
        await this.launch('kafka', java.bin, [...this.markers(), ...prepared.args]);
      };
      const startRegistry = async () => {
        const args = registryArgs({
          runDir: this.opts.runDir,
          host: this.host,
          registryPort: this.opts.registryPort,
          jar: artifacts.registryJar!,
          storage,
          brokers: this.kafkaAddress,
          ...(material ? { kafkaAuth: clientSecurity(material) } : {}),
        });
        await this.launch('registry', java.bin, [...this.markers(), ...args]);
      };
      const kafkaP = toStart.includes('kafka') ? startKafka() : Promise.resolve();
      // kafkasql storage keeps schemas in Kafka, so the registry waits for the broker; in-memory starts alongside
      if (storage === 'kafkasql') await kafkaP;
      const registryP = toStart.includes('registry') ? startRegistry() : Promise.resolve();
      const results = await Promise.allSettled([kafkaP, registryP]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await this.down().catch(() => {});
        throw failed.reason;
      }
    }
    return this.status();
  }

  /** Command-line markers: the run directory (how `down` finds strays) and the owner (how orphans are found). */
  private markers(): string[] {
    return [`-Dkamf.run=${this.opts.runDir}`, ...(this.owner ? [ownerMarker(this.owner)] : [])];
  }

  private async assertPortFree(name: ServiceName): Promise<void> {
    const ports: Array<[number, string]> =
      name === 'kafka'
        ? [
            [this.opts.kafkaPort, 'KAMF_KAFKA_PORT'],
            [this.opts.controllerPort, 'KAMF_CONTROLLER_PORT'],
          ]
        : [[this.opts.registryPort, 'KAMF_REGISTRY_PORT']];
    for (const [port, env] of ports) {
      if (await isPortFree(port, this.host)) continue;
      const external = name === 'kafka' ? 'KAFKA_BROKERS' : 'SCHEMA_REGISTRY_URL';
      const already = port !== this.opts.controllerPort && (await this.healthy(name));
      throw new KamfError(
        'INFRA_PORT_IN_USE',
        `Cannot start ${name}: port ${port} on ${this.host} is already in use by another process` +
          (already ? ` (and a ${name} answers there: to use it, set ${external})` : '') +
          `. Stop that process, or choose another port with ${env}.`,
        {
          details: { service: name, port },
          hint: already
            ? `Use the running ${name} with ${external}=${name === 'kafka' ? this.kafkaAddress : this.registryUrl}, or stop it, or set ${env} to a free port.`
            : `Stop the process that listens on ${this.host}:${port} (e.g. \`lsof -i :${port}\`), or set ${env} to a free port.`,
        },
      );
    }
  }

  private async launch(name: ServiceName, java: string, args: string[]): Promise<void> {
    const logFile = logFileOf(this.opts.runDir, name);
    writeFileSync(logFile, ''); // a fresh log per start, so a failure's tail is this start's
    this.progress({ service: name, phase: 'start', message: `starting (log: ${logFile})` });
    const spawned: Spawned = spawnService(java, args, { cwd: this.opts.runDir, logFile });
    // the watchdog first: an owner killed from here on must not leave this service behind
    const watchdog = this.owner ? startWatchdog(this.owner, spawned.pid) : undefined;
    const port = name === 'kafka' ? this.opts.kafkaPort : this.opts.registryPort;
    const address = name === 'kafka' ? this.kafkaAddress : this.registryUrl;
    const state = this.readState();
    state[name] = {
      pid: spawned.pid,
      port,
      address,
      logFile,
      startedAt: new Date().toISOString(),
      ...(this.owner ? { owner: this.owner.pid } : {}),
      ...(watchdog !== undefined ? { watchdog } : {}),
    };
    this.writeState(state);

    let exitCode: number | null | undefined;
    void spawned.exited.then((c) => (exitCode = c));
    const started = Date.now();
    const timeout = this.opts.startTimeoutMs ?? 120_000;
    while (true) {
      if (exitCode !== undefined || !isAlive(spawned.pid)) {
        throw new KamfError('INFRA_START_FAILED', `${name} exited during startup (code ${exitCode ?? '?'}). Last lines of ${logFile}:\n${tailFile(logFile)}`, {
          details: { service: name, logFile },
          hint: `The whole log is ${logFile}.`,
        });
      }
      if (await this.healthy(name)) break;
      if (Date.now() - started > timeout) {
        await stopProcess(spawned.pid, 5000);
        throw new KamfError('INFRA_START_FAILED', `${name} did not become healthy within ${timeout} ms. Last lines of ${logFile}:\n${tailFile(logFile)}`, {
          details: { service: name, logFile },
          hint: `The whole log is ${logFile}; a slow machine may need a larger infra.startTimeoutMs in kamf.config.json.`,
        });
      }
      this.progress({ service: name, phase: 'wait', message: `waiting for ${address} (${Math.round((Date.now() - started) / 1000)} s)` });
      await sleep(250);
    }
    this.progress({ service: name, phase: 'ready', message: `${address} (pid ${spawned.pid}, ${((Date.now() - started) / 1000).toFixed(1)} s)` });
  }

  /** Stop every service (registry first: it may keep its storage in Kafka). Leaves no process behind. */
  async down(): Promise<void> {
    const state = this.readState();
    for (const name of ['registry', 'kafka'] as const) {
      const s = state[name];
      if (!s) continue;
      this.progress({ service: name, phase: 'stop', message: `stopping pid ${s.pid}` });
      const killed = await stopProcess(s.pid);
      if (killed) this.progress({ service: name, phase: 'stop', message: 'did not stop in time: killed' });
      delete state[name];
      this.writeState(state);
    }
    // a lost state file must not leave orphans: find our services by their command-line marker
    for (const pid of findStackProcesses(this.opts.runDir)) await stopProcess(pid, 5000);
  }

  async status(): Promise<ServiceStatus[]> {
    await this.security(); // the secured broker answers its health check only to the admin
    const state = this.readState();
    const out: ServiceStatus[] = [];
    for (const name of this.wanted()) {
      const s = state[name];
      const alive = !!s && isAlive(s.pid);
      const healthy = alive ? await this.healthy(name) : false;
      out.push({
        name,
        state: !alive ? 'stopped' : healthy ? 'running' : 'starting',
        healthy,
        address: name === 'kafka' ? this.kafkaAddress : this.registryUrl,
        ...(alive && s ? { pid: s.pid } : {}),
        ...(alive && s?.owner !== undefined ? { owner: s.owner } : {}),
        logFile: logFileOf(this.opts.runDir, name),
      });
    }
    return out;
  }

  logs(name: ServiceName, lines = 50): string {
    return tailFile(logFileOf(this.opts.runDir, name), lines);
  }

  /** Remove data, logs and state (only when stopped). */
  clean(): void {
    rmSync(this.opts.runDir, { recursive: true, force: true });
  }
}

/** Linux: pids whose command line carries -Dkamf.run=<runDir>. Elsewhere: none (the state file is the record). */
export function findStackProcesses(runDir: string): number[] {
  const dir = resolve(runDir);
  return scanStackProcesses()
    .filter((p) => p.runDir === dir)
    .map((p) => p.pid);
}
