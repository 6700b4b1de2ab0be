-- KAMF router stage with dynamic routing: a2a.ingress -> agent.<name>.requests[.high], the agents looked up in
-- agent.routes, so an agent that announces its card is routable without editing this file.
--
-- Runs unchanged on both engines:  kamf route flink-sql/routing-dynamic.sql                  (embedded RxJS engine)
--                                   kamf route --engine flink flink-sql/routing-dynamic.sql   (Apache Flink 1.20)
-- See docs/routing.md ("Dynamic routing") for how agent.routes is kept and for the limits.
--
-- agent.routes (compacted; written by KAMF's routes projector from agent.registry, liveness included):
--   key 'skill:<skill id, lower case>' -> {"route": ..., "agents": "<agent>,<agent>"}  live agents offering the skill
--   key 'agent:<name>'                 -> {"route": ..., "agents": "<name>"}            while the agent is live
--   "agents": "" once no live agent backs the key any more (an update, not a tombstone: see docs/routing.md).
-- Headers used:
--   kamf-target-agent  ONE target agent (a live agent, or the request is unroutable)
--   kamf-skill         requested skill, used when no target is given: every live agent offering it gets the request
--   kamf-priority      'high' or 'urgent' -> the agent's high lane; anything else -> its normal lane
-- A request no live agent takes goes to a2a.unroutable with its headers and value unchanged.

-- Flink joins a request once the event time (watermark) of both inputs has passed its timestamp: a source partition
-- without records for a second no longer holds it back, agent.routes after 100 ms (below, so it is never the input
-- that idles last).
SET 'table.exec.source.idle-timeout' = '1 s';

CREATE TABLE ingress (
  k BYTES,
  v BYTES,
  headers MAP<STRING, BYTES> METADATA,
  ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR ts AS ts
) WITH (
  'connector' = 'kafka',
  'topic' = '${KAMF_TOPIC_PREFIX:-}a2a.ingress',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'properties.group.id' = '${KAMF_TOPIC_PREFIX:-}kamf-router-dynamic',
  'properties.auto.offset.reset' = 'earliest',
  'scan.startup.mode' = 'group-offsets',
  'key.format' = 'raw',
  'key.fields' = 'k',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);

-- The lookup table: Flink reads it as a versioned table (upsert-kafka + watermark) and joins the version valid at
-- each request's timestamp; the embedded engine follows it and joins the newest row.
CREATE TABLE routes (
  route STRING,
  agents STRING,
  updated TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR updated AS updated,
  PRIMARY KEY (route) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '${KAMF_TOPIC_PREFIX:-}agent.routes',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw',
  'value.format' = 'json',
  'scan.watermark.idle-timeout' = '100 ms'
);

-- One sink for every agent lane: each row names its topic in the writable `topic` metadata column, which must
-- match 'topic-pattern' (Flink's Kafka connector 3.4 checks it; a sink with 'topic-pattern' may write any topic
-- that matches it).
CREATE TABLE agent_requests (
  k BYTES,
  v BYTES,
  headers MAP<STRING, BYTES> METADATA,
  dest STRING METADATA FROM 'topic'
) WITH (
  'connector' = 'kafka',
  'topic-pattern' = '${KAMF_TOPIC_PREFIX:-}agent\.[A-Za-z0-9._-]+\.requests(\.high)?',
  'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw',
  'key.fields' = 'k',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);
CREATE TABLE unroutable (k BYTES, v BYTES, headers MAP<STRING, BYTES> METADATA) WITH (
  'connector' = 'kafka', 'topic' = '${KAMF_TOPIC_PREFIX:-}a2a.unroutable', 'properties.bootstrap.servers' = '${KAFKA_BROKERS}',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'at-least-once'
);

-- The route key of a request: its named target, or (without one) its skill.
CREATE TEMPORARY VIEW requests AS
SELECT
  k,
  v,
  headers,
  ts,
  CASE
    WHEN TRIM(COALESCE(CAST(headers['kamf-target-agent'] AS STRING), '')) <> ''
      THEN CONCAT('agent:', TRIM(CAST(headers['kamf-target-agent'] AS STRING)))
    ELSE CONCAT('skill:', LOWER(COALESCE(CAST(headers['kamf-skill'] AS STRING), '')))
  END AS route,
  CASE
    WHEN LOWER(COALESCE(CAST(headers['kamf-priority'] AS STRING), '')) IN ('high', 'urgent') THEN '.high'
    ELSE ''
  END AS lane
FROM ingress;

-- Which agents take it, from agent.routes (NULL or '': no live agent).
CREATE TEMPORARY VIEW routed AS
SELECT r.k, r.v, r.headers, r.lane, s.agents
FROM requests AS r
LEFT JOIN routes FOR SYSTEM_TIME AS OF r.ts AS s ON r.route = s.route;

-- One job. A skill several agents offer fans out: one record per agent, up to four agents per skill.
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO agent_requests
    SELECT k, v, headers, CONCAT('${KAMF_TOPIC_PREFIX:-}agent.', SPLIT_INDEX(agents, ',', 0), '.requests', lane) FROM routed
    WHERE SPLIT_INDEX(agents, ',', 0) <> '';
  INSERT INTO agent_requests
    SELECT k, v, headers, CONCAT('${KAMF_TOPIC_PREFIX:-}agent.', SPLIT_INDEX(agents, ',', 1), '.requests', lane) FROM routed
    WHERE SPLIT_INDEX(agents, ',', 1) <> '';
  INSERT INTO agent_requests
    SELECT k, v, headers, CONCAT('${KAMF_TOPIC_PREFIX:-}agent.', SPLIT_INDEX(agents, ',', 2), '.requests', lane) FROM routed
    WHERE SPLIT_INDEX(agents, ',', 2) <> '';
  INSERT INTO agent_requests
    SELECT k, v, headers, CONCAT('${KAMF_TOPIC_PREFIX:-}agent.', SPLIT_INDEX(agents, ',', 3), '.requests', lane) FROM routed
    WHERE SPLIT_INDEX(agents, ',', 3) <> '';
  INSERT INTO unroutable SELECT k, v, headers FROM routed WHERE COALESCE(agents, '') = '';
END;
