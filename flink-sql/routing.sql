-- KAMF router stage: a2a.ingress -> agent.<name>.requests[.high], written in Flink SQL.
--
-- Runs unchanged on both engines:  kamf route flink-sql/routing.sql                  (embedded RxJS engine)
--                                   kamf route --engine flink flink-sql/routing.sql   (Apache Flink 1.20)
-- See docs/routing.md for the subset the embedded engine runs and for the placeholders:
--   ${KAFKA_BROKERS}          bootstrap servers (from KAMF's config: KAFKA_BROKERS or the local stack)
--   ${KAMF_TOPIC_PREFIX:-}    prefix of every topic and of the consumer group (default: none)
--
-- Routing keys travel in record headers and key, so the Avro value passes through untouched: the key and the
-- value are `raw` bytes, the headers a MAP<STRING, BYTES> metadata column. Headers used here:
--   kamf-target-agent  target agent, or a comma-separated list of agents (fan-out: 'data,cs')
--   kamf-skill         requested skill, used when no target is given
--   kamf-priority      'high' or 'urgent' -> the agent's high lane; anything else -> its normal lane
-- A request no agent takes goes to a2a.unroutable with its headers and value unchanged.

CREATE TABLE ingress (
  k BYTES,
  v BYTES,
  headers MAP<STRING, BYTES> METADATA,
  ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL
) WITH (
  'connector' = 'kafka',
  'topic' = '${KAMF_TOPIC_PREFIX:-}a2a.ingress',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${KAMF_TOPIC_PREFIX:-}kamf-router',
  'properties.auto.offset.reset' = 'earliest',
  'scan.startup.mode' = 'group-offsets',
  'key.format' = 'raw',
  'key.fields' = 'k',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);

-- Sinks: one table per agent lane, all the same shape (Flink's `CREATE TABLE ... LIKE` would shorten this, but the
-- FlinkSQL grammar the embedded engine parses with does not accept LIKE without a column list).
CREATE TABLE unroutable (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}a2a.unroutable', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE data_high (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.data.requests.high', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE data_normal (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.data.requests', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE cs_high (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.cs.requests.high', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE cs_normal (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.cs.requests', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE balance_high (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.balance.requests.high', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE balance_normal (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.balance.requests', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE echo_high (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.echo.requests.high', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE echo_normal (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}agent.echo.requests', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);

-- The routing keys, read once from the headers.
CREATE TEMPORARY VIEW requests AS
SELECT
  k,
  v,
  headers,
  CONCAT(',', REPLACE(COALESCE(CAST(headers['kamf-target-agent'] AS STRING), ''), ' ', ''), ',') AS targets,
  LOWER(COALESCE(CAST(headers['kamf-skill'] AS STRING), '')) AS skill,
  CASE
    WHEN LOWER(COALESCE(CAST(headers['kamf-priority'] AS STRING), '')) IN ('high', 'urgent') THEN 'high'
    ELSE 'normal'
  END AS lane
FROM ingress;

-- Which agents take a request: named in the target list, or (without a target) offering the skill. The skill ids
-- are those the demo agents publish in their cards (data, cs: their MCP tools; balance; echo).
CREATE TEMPORARY VIEW routed AS
SELECT
  k,
  v,
  headers,
  lane,
  targets LIKE '%,data,%' OR (targets = ',,' AND skill IN ('win_rate', 'avg_game_time', 'matchup_matrix', 'list_filters')) AS to_data,
  targets LIKE '%,cs,%' OR (targets = ',,' AND skill IN ('search_complaints', 'sentiment_summary', 'top_issues')) AS to_cs,
  targets LIKE '%,balance,%' OR (targets = ',,' AND skill IN ('balance_verdict', 'ask')) AS to_balance,
  targets LIKE '%,echo,%' OR (targets = ',,' AND skill IN ('echo', 'greet')) AS to_echo
FROM requests;

-- One job: every INSERT reads the same source once. A request for two agents is written twice (fan-out).
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO data_high SELECT k, v, headers FROM routed WHERE to_data AND lane = 'high';
  INSERT INTO data_normal SELECT k, v, headers FROM routed WHERE to_data AND lane = 'normal';
  INSERT INTO cs_high SELECT k, v, headers FROM routed WHERE to_cs AND lane = 'high';
  INSERT INTO cs_normal SELECT k, v, headers FROM routed WHERE to_cs AND lane = 'normal';
  INSERT INTO balance_high SELECT k, v, headers FROM routed WHERE to_balance AND lane = 'high';
  INSERT INTO balance_normal SELECT k, v, headers FROM routed WHERE to_balance AND lane = 'normal';
  INSERT INTO echo_high SELECT k, v, headers FROM routed WHERE to_echo AND lane = 'high';
  INSERT INTO echo_normal SELECT k, v, headers FROM routed WHERE to_echo AND lane = 'normal';
  INSERT INTO unroutable SELECT k, v, headers FROM routed WHERE NOT (to_data OR to_cs OR to_balance OR to_echo);
END;
