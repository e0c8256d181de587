package downline.dev;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

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

/**
 * A local Neo4j 5.26 for development and tests: the test harness's in-process
 * server with Bolt on 127.0.0.1, auth off and nothing reaching the internet.
 * It runs until killed. The graph is a read model fed from Postgres, so the
 * harness's throw-away database (a fresh one on every start) is what we want.
 *
 * Usage: java -cp ... downline.dev.Neo4jServer --port 7687 --data DIR [--pagecache-mib 512]
 */
public final class Neo4jServer {
    public static void main(String[] args) throws Exception {
        int port = 7687;
        Path data = Path.of(".data/neo4j");
        long pageCacheMiB = 512;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--port" -> { port = Integer.parseInt(need(a, v)); i++; }
                case "--data" -> { data = Path.of(need(a, v)); i++; }
                case "--pagecache-mib" -> { pageCacheMiB = Long.parseLong(need(a, v)); i++; }
                default -> {
                    System.err.println("neo4j-server: unknown argument " + a);
                    System.err.println("usage: Neo4jServer [--port 7687] [--data DIR] [--pagecache-mib 512]");
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
                .withConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMiB * 1024 * 1024);
        // Usage reporting ("UDC") phones home; the settings are looked up by
        // name because their Java field names moved between 5.x releases.
        builder = disableByName(builder, "dbms.usage_report.enabled");
        builder = disableByName(builder, "internal.dbms.usage_report.udc_network_enabled");

        Neo4j neo4j = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-server: stopping");
            neo4j.close();
            stopped.countDown();
        }, "neo4j-server-shutdown"));

        System.out.println("neo4j-server: ready on " + neo4j.boltURI() + " (Neo4j "
                + org.neo4j.kernel.internal.Version.getNeo4jVersion() + ", data in " + work + ")");
        System.out.flush();
        stopped.await();
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
