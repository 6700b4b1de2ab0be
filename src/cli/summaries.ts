/** Every top-level command and its one-line summary: `kamf --help` prints these without loading any command. */
export const SUMMARY = {
  start: 'start the mesh: local infrastructure (unless KAFKA_BROKERS / SCHEMA_REGISTRY_URL point elsewhere), topics, schemas',
  ask: 'ask the mesh a question (through the coordinator, found in agent.registry) and print the answer',
  chat: 'interactive multi-turn conversation with an agent (keeps the context; answers its questions)',
  agents: 'list the live agents in agent.registry with their skills and instances',
  infra: 'run the local Kafka broker and schema registry (Java 17+ and Maven; jars cached under .infra/)',
  schemas: 'govern the Avro schemas in schemas/ with the schema registry',
  route: 'run a routing file (Flink SQL) on the embedded RxJS engine or on Apache Flink',
  topics: 'list topics with partitions, end offsets and lag per consumer group',
  tail: 'follow topics, decoded through the registry, as readable conversation lines',
  replay: 'read a time or offset window of topics, filter it, then print it, save it as JSON Lines, or re-inject it into another topic',
  trace: 'the whole conversation of a context or task id: every request, reply and task snapshot, with per-hop latency',
  stats: 'requests, latency p50/p95/p99 and failure / cancel / input-required rates per agent and skill',
  diff: "replay a window of recorded requests into another agent's topic and compare its answers with the recorded ones",
  gateway: 'A2A HTTP gateway: every agent of agent.registry over JSON-RPC, HTTP+JSON and gRPC, relayed over Kafka',
  acl: 'least-privilege Kafka ACLs for an agent or caller principal, from its role and card: show, grant, revoke, list',
  push: 'push-notification deliveries per webhook (counts, failures, last error), dead letters, and replaying one',
} as const;
