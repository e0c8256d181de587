package downline.dev;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.neo4j.cli.ExecutionContext;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.importer.ImportCommand;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import picocli.CommandLine;

/**
 * A local Neo4j 5.26 for development and tests: the test harness's in-process
 * server with Bolt on 127.0.0.1, auth off and nothing reaching the internet.
 * It runs until killed. The graph is a read model fed from Postgres, so the
 * harness's throw-away database (a fresh one on every start) is what we want.
 *
 * With --import DIR the database is not empty: before the server starts,
 * Neo4j's offline importer (what neo4j-admin database import full runs)
 * builds it from the CSV files that downline graph sync --import wrote into
 * DIR, with the arguments DIR/import.args names.
 *
 * With --exit-when-ready it stops once ready: dev/neo4j runs it so after a
 * build, on a few members, to archive the classes a start loads.
 *
 * Usage: java -cp ... downline.dev.Neo4jServer --port 7687 --data DIR [--pagecache-mib 512] [--import DIR] [--exit-when-ready]
 */
public final class Neo4jServer {
    public static void main(String[] args) throws Exception {
        int port = 7687;
        Path data = Path.of(".data/neo4j");
        long pageCacheMiB = 512;
        Path importDir = null;
        boolean exitWhenReady = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--port" -> { port = Integer.parseInt(need(a, v)); i++; }
                case "--data" -> { data = Path.of(need(a, v)); i++; }
                case "--pagecache-mib" -> { pageCacheMiB = Long.parseLong(need(a, v)); i++; }
                case "--import" -> { importDir = Path.of(need(a, v)).toAbsolutePath(); i++; }
                case "--exit-when-ready" -> exitWhenReady = true;
                default -> {
                    System.err.println("neo4j-server: unknown argument " + a);
                    System.err.println("usage: Neo4jServer [--port 7687] [--data DIR] [--pagecache-mib 512] [--import DIR] [--exit-when-ready]");
                    System.exit(2);
                }
            }
        }

        // The harness makes a new random folder under the working dir on every
        // start; ones left by a killed server would pile up, so clear them.
        Path work = data.toAbsolutePath().resolve("server");
        deleteTree(work);
        Files.createDirectories(work);

        Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(work)
                .withDisabledServer()
                .withConfig(HttpConnector.enabled, false)
                .withConfig(HttpsConnector.enabled, false)
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                // Keep-alives while a result streams, but no
                // "connection.recv_timeout_seconds" hint: the Go driver bounds
                // every socket read by that hint with a timer, a goroutine and a
                // channel, which cost more CPU than decoding the records when a
                // query streams a million of them (graph check, Export).
                .withConfig(BoltConnector.connection_keep_alive_type, BoltConnector.KeepAliveRequestType.STREAMING)
                .withConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMiB * 1024 * 1024);
        if (importDir != null) {
            // The harness keeps its database under a random folder it makes
            // at build(); pointing the data directory at the imported one
            // serves that instead, without copying the store.
            Path home = work.resolve("imported");
            runImport(importDir, home);
            builder = builder.withConfig(GraphDatabaseSettings.data_directory, home.resolve("data"));
        }
        // Usage reporting ("UDC") phones home; the settings are looked up by
        // name because their Java field names moved between 5.x releases.
        builder = disableByName(builder, "dbms.usage_report.enabled");
        builder = disableByName(builder, "internal.dbms.usage_report.udc_network_enabled");

        Neo4j neo4j = builder.build();
        if (exitWhenReady) {
            // What a client does next: the schema, its population, a lookup.
            var db = neo4j.defaultDatabaseService();
            db.executeTransactionally("CREATE CONSTRAINT member_id IF NOT EXISTS FOR (m:Member) REQUIRE m.id IS UNIQUE");
            db.executeTransactionally("CREATE INDEX member_code IF NOT EXISTS FOR (m:Member) ON (m.code)");
            db.executeTransactionally("CALL db.awaitIndexes(300)");
            db.executeTransactionally("MATCH (m:Member) WHERE m.id = 1 RETURN m.code");
            System.out.println("neo4j-server: ready (" + clock() + "), stopping as asked");
            neo4j.close();
            System.exit(0);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-server: stopping");
            neo4j.close();
            stopped.countDown();
        }, "neo4j-server-shutdown"));

        System.out.println("neo4j-server: ready (" + clock() + ") on " + neo4j.boltURI() + " (Neo4j "
                + org.neo4j.kernel.internal.Version.getNeo4jVersion() + ", data in " + work + ")");
        System.out.flush();
        stopped.await();
    }

    /**
     * Imports the CSV files of importDir into the database "neo4j" of a Neo4j
     * home at home, exactly as neo4j-admin database import full would (the
     * same command class, given the same arguments): the files and their
     * headers come from importDir/import.args, one argument a line.
     */
    private static void runImport(Path importDir, Path home) throws IOException {
        Path argsFile = importDir.resolve("import.args");
        if (!Files.isRegularFile(argsFile)) {
            System.err.println("neo4j-server: " + argsFile + " not found: write the import with downline graph sync --import " + importDir);
            System.exit(2);
        }
        Files.createDirectories(home.resolve("conf"));
        java.util.List<String> args = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(argsFile)) {
            if (!line.isBlank()) {
                args.add(line.strip());
            }
        }
        args.add("--overwrite-destination=true");
        args.add("--report-file=" + home.resolve("import.report"));
        args.add("neo4j");
        System.out.println("neo4j-server: importing " + importDir + " (" + String.join(" ", args) + "; " + clock() + ")");
        System.out.flush();
        long started = System.nanoTime();
        int rc;
        try (DefaultFileSystemAbstraction fs = new DefaultFileSystemAbstraction()) {
            ExecutionContext ctx = new ExecutionContext(home, home.resolve("conf"), System.out, System.err, fs);
            rc = new CommandLine(new ImportCommand.Full(ctx)).execute(args.toArray(new String[0]));
        }
        if (rc != 0) {
            System.err.println("neo4j-server: the import failed (exit code " + rc + ")");
            System.exit(1);
        }
        System.out.printf("neo4j-server: imported in %.1f s (%s)%n", (System.nanoTime() - started) / 1e9, clock());
        System.out.flush();
    }

    /** The JVM's age and the CPU it has used so far, for the log. */
    private static String clock() {
        return String.format("JVM up %.1f s, CPU so far %.1f s", java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1e3, cpuSeconds());
    }

    /** The CPU the whole JVM has used, every thread (JIT and GC included). */
    private static double cpuSeconds() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    private static String need(String flag, String v) {
        if (v == null) {
            System.err.println("neo4j-server: " + flag + " needs a value");
            System.exit(2);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Neo4jBuilder disableByName(Neo4jBuilder b, String name) {
        for (Class<?> c : new Class<?>[] {GraphDatabaseSettings.class, GraphDatabaseInternalSettings.class}) {
            for (Field f : c.getFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || !Setting.class.isAssignableFrom(f.getType())) {
                    continue;
                }
                try {
                    Setting<Object> s = (Setting<Object>) f.get(null);
                    if (s.name().equals(name)) {
                        return b.withConfig(s, (Object) Boolean.FALSE);
                    }
                } catch (IllegalAccessException | ClassCastException e) {
                    // not a readable setting: keep looking
                }
            }
        }
        System.err.println("neo4j-server: setting " + name + " not found; left at its default");
        return b;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(q);
            }
        }
    }
}
