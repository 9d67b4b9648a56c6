// Compile oracle for .dig files, driven by tests/support/digdag.py; runs on Digdag 0.10.5.1
// (built from source by scripts/digdag).
//
// Reads one .dig path per line on stdin and prints one JSON line per path on stdout:
//   {"path": P, "ok": true, "name": N, "timezone": TZ, "config": {...}}
//   {"path": P, "ok": false, "stage": "load"|"compile"|"schedule", "error": MSG, "exception": CLASS}
// Each file is loaded on its own, its directory acting as the project directory, with the calls
// a project push makes on the server: ConfigLoaderManager.loadParameterizedFile ->
// WorkflowFile.fromConfig -> toWorkflowDefinition (ProjectArchiveLoader), then
// ProjectResource.validateWorkflowAndSchedule (WorkflowCompiler.compile, every task's config)
// and ProjectControl.updateSchedules (the real digdag-standards schedulers with unused schedule
// keys refused, and the first schedule time computed).
import io.digdag.client.DigdagClient;
import io.digdag.client.config.Config;
import io.digdag.client.config.ConfigFactory;
import io.digdag.core.archive.WorkflowFile;
import io.digdag.core.config.ConfigLoaderManager;
import io.digdag.core.config.YamlConfigLoader;
import io.digdag.core.repository.WorkflowDefinition;
import io.digdag.core.schedule.SchedulerManager;
import io.digdag.core.workflow.Workflow;
import io.digdag.core.workflow.WorkflowCompiler;
import io.digdag.core.workflow.WorkflowTask;
import io.digdag.spi.Scheduler;
import io.digdag.spi.SchedulerFactory;
import io.digdag.standards.scheduler.CronSchedulerFactory;
import io.digdag.standards.scheduler.DailySchedulerFactory;
import io.digdag.standards.scheduler.HourlySchedulerFactory;
import io.digdag.standards.scheduler.MinutesIntervalSchedulerFactory;
import io.digdag.standards.scheduler.MonthlySchedulerFactory;
import io.digdag.standards.scheduler.ScheduleConfigHelper;
import io.digdag.standards.scheduler.SecondsIntervalSchedulerFactory;
import io.digdag.standards.scheduler.WeeklySchedulerFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Optional;
import com.google.common.collect.ImmutableSet;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

public final class DigdagOracle {
    private static final ObjectMapper MAPPER = DigdagClient.objectMapper();
    private static final ConfigFactory CF = new ConfigFactory(MAPPER);
    private static final ConfigLoaderManager LOADER =
            new ConfigLoaderManager(CF, new YamlConfigLoader());
    private static final WorkflowCompiler COMPILER = new WorkflowCompiler();

    // The seven built-in schedulers, as digdag-standards' SchedulerModule binds them.
    private static final SchedulerManager SCHEDULERS = schedulers();

    private DigdagOracle() {}

    private static SchedulerManager schedulers() {
        ScheduleConfigHelper helper = new ScheduleConfigHelper();
        return new SchedulerManager(ImmutableSet.<SchedulerFactory>of(
                new CronSchedulerFactory(helper),
                new MonthlySchedulerFactory(helper),
                new WeeklySchedulerFactory(helper),
                new DailySchedulerFactory(helper),
                new HourlySchedulerFactory(helper),
                new MinutesIntervalSchedulerFactory(helper),
                new SecondsIntervalSchedulerFactory()));
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
            Workflow wf = COMPILER.compile(def.getName(), def.getConfig());
            for (WorkflowTask task : wf.getTasks()) {
                task.getConfig();
            }
        } catch (Throwable ex) {
            return fail(result, "compile", ex);
        }
        try {
            // The revision argument is unused by SchedulerManager; `true` refuses unused keys,
            // as the push does when it stores the schedule.
            Optional<Scheduler> scheduler = SCHEDULERS.tryGetScheduler(null, def, true);
            if (scheduler.isPresent()) {
                scheduler.get().getFirstScheduleTime(Instant.now());
            }
        } catch (Throwable ex) {
            return fail(result, "schedule", ex);
        }
        result.put("ok", true);
        result.put("name", def.getName());
        result.put("timezone", def.getTimeZone().toString());
        result.set("config", def.getConfig().getInternalObjectNode());
        return result;
    }

    private static ObjectNode fail(ObjectNode result, String stage, Throwable ex) {
        result.put("ok", false);
        result.put("stage", stage);
        result.put("error", String.valueOf(ex.getMessage()));
        result.put("exception", ex.getClass().getName());
        return result;
    }
}
