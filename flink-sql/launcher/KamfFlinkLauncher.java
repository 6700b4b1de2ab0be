/*
 * KAMF's Flink launcher: runs Flink SQL files on a local MiniCluster (or whatever execution.target says).
 *
 *   java <jvm opts> -cp '.infra/flink/libs-1.20.3/*:.infra/flink/launcher' KamfFlinkLauncher [-Dkey=value ...] file.sql [file.sql ...]
 *
 * Each file: DDL and SET statements run in order with executeSql; every INSERT (top level or inside
 * EXECUTE STATEMENT SET BEGIN ... END) goes into ONE StatementSet, so one file is one Flink job. All files run as
 * separate jobs of one JVM. Placeholders (${KAFKA_BROKERS}, ...) are already substituted by `kamf route`.
 *
 * Protocol on stdout (one line each, read by src/router/flink-engine.ts):
 *   KAMF-FLINK-STATEMENT <file> <n> <first words>   before each statement
 *   KAMF-FLINK-JOB <file> <jobId>                    after a job was submitted
 *   KAMF-FLINK-ERROR <file> <message>                a statement failed (the process then exits with 2)
 *   KAMF-FLINK-FINISHED <file> <status>              a job ended
 * Flink's own logging goes to stderr (log4j2 configuration from infra/flink/log4j2.properties).
 */
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

public final class KamfFlinkLauncher {
    private KamfFlinkLauncher() {}

    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        // defaults for a small local MiniCluster with request/reply latency in mind; -Dkey=value overrides them
        conf.setString("parallelism.default", "1");
        conf.setString("execution.buffer-timeout.interval", "5 ms");
        conf.setString("execution.buffer-timeout", "5 ms");
        conf.setString("execution.checkpointing.interval", "5 s");
        conf.setString("execution.checkpointing.mode", "AT_LEAST_ONCE");
        conf.setString("rest.bind-port", "0");
        conf.setString("table.exec.resource.default-parallelism", "1");
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("-D") && a.contains("=")) {
                int eq = a.indexOf('=');
                conf.setString(a.substring(2, eq), a.substring(eq + 1));
            } else {
                files.add(Path.of(a));
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: KamfFlinkLauncher [-Dkey=value ...] file.sql [file.sql ...]");
            System.exit(64);
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            String sql = Files.readString(file, StandardCharsets.UTF_8);
            TableEnvironment env = TableEnvironment.create(EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
            env.getConfig().set("pipeline.name", "kamf:" + name);
            StatementSet set = env.createStatementSet();
            int inserts = 0;
            int n = 0;
            for (String stmt : split(sql)) {
                n++;
                String head = stmt.replaceAll("\\s+", " ").trim();
                say("KAMF-FLINK-STATEMENT " + name + " " + n + " " + (head.length() > 60 ? head.substring(0, 60) : head));
                try {
                    String upper = head.toUpperCase(Locale.ROOT);
                    if (upper.startsWith("EXECUTE STATEMENT SET") || upper.startsWith("BEGIN STATEMENT SET")) {
                        for (String insert : statementSetBody(stmt)) {
                            set.addInsertSql(insert);
                            inserts++;
                        }
                    } else if (upper.startsWith("INSERT ")) {
                        set.addInsertSql(stmt);
                        inserts++;
                    } else {
                        env.executeSql(stmt);
                    }
                } catch (Exception e) {
                    say("KAMF-FLINK-ERROR " + name + " statement " + n + ": " + oneLine(rootMessage(e)));
                    e.printStackTrace();
                    System.exit(2);
                }
            }
            if (inserts == 0) {
                say("KAMF-FLINK-ERROR " + name + " has no INSERT statement: nothing to run");
                System.exit(2);
            }
            TableResult result;
            try {
                result = set.execute();
            } catch (Exception e) {
                say("KAMF-FLINK-ERROR " + name + " submit: " + oneLine(rootMessage(e)));
                e.printStackTrace();
                System.exit(2);
                return;
            }
            Optional<JobClient> client = result.getJobClient();
            JobID id = client.map(JobClient::getJobID).orElse(null);
            say("KAMF-FLINK-JOB " + name + " " + id);
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    result.await();
                    say("KAMF-FLINK-FINISHED " + name + " " + client.map(c -> c.getJobStatus().join().toString()).orElse("FINISHED"));
                } catch (Exception e) {
                    say("KAMF-FLINK-ERROR " + name + " job failed: " + oneLine(rootMessage(e)));
                    e.printStackTrace();
                    System.exit(3);
                }
            }));
        }
        CompletableFuture.allOf(running.toArray(new CompletableFuture[0])).join();
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            sb.append(" / caused by: ").append(root.getMessage());
        }
        return sb.toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ");
    }

    /** The INSERT statements between BEGIN and END of a statement set. */
    static List<String> statementSetBody(String stmt) {
        String upper = stmt.toUpperCase(Locale.ROOT);
        int begin = upper.indexOf("BEGIN");
        int end = upper.lastIndexOf("END");
        List<String> out = new ArrayList<>();
        for (String s : split(stmt.substring(begin + 5, end))) out.add(s);
        return out;
    }

    /**
     * Splits SQL text on semicolons outside quotes and comments; an EXECUTE STATEMENT SET block stays one
     * statement up to its END. Comments are dropped.
     */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int len = sql.length();
        while (i < len) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < len && sql.charAt(i + 1) == '-') {
                while (i < len && sql.charAt(i) != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < len && sql.charAt(i + 1) == '*' && !(i + 2 < len && sql.charAt(i + 2) == '+')) {
                int close = sql.indexOf("*/", i + 2);
                i = close < 0 ? len : close + 2;
                continue;
            }
            if (c == '\'' || c == '`' || c == '"') {
                int j = i + 1;
                while (j < len) {
                    if (sql.charAt(j) == c) {
                        if (j + 1 < len && sql.charAt(j + 1) == c) { j += 2; continue; }
                        break;
                    }
                    j++;
                }
                cur.append(sql, i, Math.min(j + 1, len));
                i = j + 1;
                continue;
            }
            if (c == ';') {
                String s = cur.toString().trim();
                String upper = s.toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
                boolean inSet = (upper.startsWith("EXECUTE STATEMENT SET") || upper.startsWith("BEGIN STATEMENT SET")) && !upper.matches("(?s).*\\bEND$");
                if (inSet) {
                    cur.append(c);
                } else {
                    if (!s.isEmpty()) out.add(s);
                    cur.setLength(0);
                }
                i++;
                continue;
            }
            cur.append(c);
            i++;
        }
        String rest = cur.toString().trim();
        if (!rest.isEmpty()) out.add(rest);
        return out;
    }
}
