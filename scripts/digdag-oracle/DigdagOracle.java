// Compile oracle for .dig files, driven by tests/support/digdag.py.
//
// Reads one .dig path per line on stdin and prints one JSON line per path on stdout:
//   {"path": P, "ok": true, "name": N, "timezone": TZ, "config": {...}}
//   {"path": P, "ok": false, "stage": "load"|"compile"|"schedule", "error": MSG, "exception": CLASS}
// Each file is loaded on its own, its directory acting as the project directory, with the same
// calls a project upload makes: ConfigLoaderManager.loadParameterizedFile ->
// WorkflowFile.fromConfig -> toWorkflowDefinition, then WorkflowCompiler.compile.
//
// The reachable registry serves digdag-core only up to 0.9.42. Its loader, WorkflowFile and
// ModelValidator are unchanged in 0.10.5.1; its WorkflowCompiler lacks the 0.10 `_parallel`
// handling (ParallelControl: `_parallel: {limit: N}`, "Invalid _parallel format"). So group
// `_parallel` values other than booleans/strings are judged here with the real 0.10
// ParallelControl (digdag-plugin-utils 0.10.0) and handed to the 0.9.42 compiler as booleans.
//
// Schedules go through the real SchedulerManager (type detection, "Unknown scheduler type",
// "requires 'type>: at'", non-object `schedule`) with placeholder factories for the 7 built-in
// types, because their implementations (digdag-standards: value formats such as hh:mm:ss) are
// not served. The 0.10 unused-schedule-key check does not exist in 0.9.42 and is not judged.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.digdag.client.DigdagClient;
import io.digdag.client.config.Config;
import io.digdag.client.config.ConfigFactory;
import io.digdag.core.archive.WorkflowFile;
import io.digdag.core.config.ConfigLoaderManager;
import io.digdag.core.config.YamlConfigLoader;
import io.digdag.core.repository.WorkflowDefinition;
import io.digdag.core.schedule.SchedulerManager;
import io.digdag.spi.Scheduler;
import io.digdag.spi.SchedulerFactory;
import io.digdag.core.workflow.WorkflowCompiler;
import io.digdag.util.ParallelControl;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.Proxy;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

public final class DigdagOracle {
    private static final ObjectMapper MAPPER = DigdagClient.objectMapper();
    private static final ConfigFactory CF = new ConfigFactory(MAPPER);
    private static final ConfigLoaderManager LOADER =
            new ConfigLoaderManager(CF, new YamlConfigLoader());

    private static final SchedulerManager SCHEDULERS = new SchedulerManager(builtInSchedulerTypes());

    private DigdagOracle() {}

    private static Set<SchedulerFactory> builtInSchedulerTypes() {
        Set<SchedulerFactory> factories = new HashSet<>();
        for (String type : new String[] {"cron", "daily", "hourly", "minutes_interval",
                "monthly", "seconds_interval", "weekly"}) {
            factories.add(new SchedulerFactory() {
                @Override
                public String getType() {
                    return type;
                }

                @Override
                public Scheduler newScheduler(Config config, ZoneId timeZone) {
                    // Never used for times: only proves the type resolved.
                    return (Scheduler) Proxy.newProxyInstance(
                            Scheduler.class.getClassLoader(),
                            new Class<?>[] {Scheduler.class},
                            (proxy, method, args) -> null);
                }
            });
        }
        return factories;
    }

    public static void main(String[] args) throws Exception {
        // Keep stdout for the protocol only: anything Digdag prints goes to stderr.
        PrintStream out = new PrintStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                continue;
            }
            out.println(MAPPER.writeValueAsString(judge(line)));
            out.flush();
        }
    }

    static ObjectNode judge(String path) {
        ObjectNode result = MAPPER.createObjectNode();
        result.put("path", path);
        File file = new File(path);
        String name = file.getName().replaceFirst("\\.dig$", "");
        WorkflowDefinition def;
        try {
            Config loaded = LOADER.loadParameterizedFile(file, CF.create());
            def = WorkflowFile.fromConfig(name, loaded).toWorkflowDefinition();
        } catch (Throwable ex) {
            return fail(result, "load", ex);
        }
        try {
            List<Throwable> parallelErrors = new ArrayList<>();
            Config compilable = def.getConfig().deepCopy();
            adaptParallel(compilable, parallelErrors);
            new WorkflowCompiler().compile(def.getName(), compilable);
            if (!parallelErrors.isEmpty()) {
                return fail(result, "compile", parallelErrors.get(0));
            }
        } catch (Throwable ex) {
            return fail(result, "compile", ex);
        }
        try {
            // The revision argument is unused by SchedulerManager.
            SCHEDULERS.tryGetScheduler(null, def);
        } catch (Throwable ex) {
            return fail(result, "schedule", ex);
        }
        result.put("ok", true);
        result.put("name", def.getName());
        result.put("timezone", def.getTimeZone().toString());
        result.set("config", def.getConfig().getInternalObjectNode());
        return result;
    }

    // Mirrors WorkflowCompiler's group detection (0.10.5.1): a task is a group unless it is
    // disabled or has `_type`/an operator key; subtasks are `+` keys, `_error` is compiled too.
    // Errors are collected in post-order, like the compiler visits ParallelControl.
    private static void adaptParallel(Config config, List<Throwable> errors) {
        ObjectNode node = config.getInternalObjectNode();
        boolean disabled = node.path("_disable").asText("").equals("true");
        boolean operator = node.has("_type");
        java.util.Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            if (names.next().endsWith(">")) {
                operator = true;
            }
        }
        if (disabled) {
            return;
        }
        List<String> keys = config.getKeys();
        if (!operator) {
            for (String key : keys) {
                if (key.startsWith("+") && node.get(key).isObject()) {
                    adaptParallel(config.getNested(key), errors);
                }
            }
            JsonNode parallel = node.get("_parallel");
            if (parallel != null && !parallel.isBoolean() && !parallel.isTextual()) {
                try {
                    node.put("_parallel", ParallelControl.of(config).isParallel());
                } catch (Throwable ex) {
                    errors.add(ex);
                    node.put("_parallel", false);
                }
            }
        }
        if (node.path("_error").isObject()) {
            adaptParallel(config.getNested("_error"), errors);
        }
    }

    private static ObjectNode fail(ObjectNode result, String stage, Throwable ex) {
        result.put("ok", false);
        result.put("stage", stage);
        result.put("error", String.valueOf(ex.getMessage()));
        result.put("exception", ex.getClass().getName());
        return result;
    }
}
