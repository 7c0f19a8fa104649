package io.qtune.cli;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the qtune command line: subcommands are thin layers over the library. */
@Command(name = "qtune", mixinStandardHelpOptions = true, version = "qtune 0.1.0",
        description = "Quantize FP32 TensorFlow ResNet50 graphs to INT8 for Intel-class CPUs.",
        subcommands = {
            CommandLine.HelpCommand.class,
            ZooCommand.class,
            InspectCommand.class,
            BenchCommand.class,
            EvalCommand.class,
            EvalMergeCommand.class,
            QuantizeCommand.class,
            ConvertCommand.class,
            TuneCommand.class,
            ExportCommand.class,
            LoadgenCommand.class,
            LoadgenAccuracyCommand.class,
            ServeCommand.class,
            ServeBenchCommand.class,
        })
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; user errors print one line, no stack trace. */
    public static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs the CLI with the given streams (tests capture them). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            while (!(t instanceof QtuneException) && t.getCause() != null) t = t.getCause();
            Progress.endOpenLine(cmd.getErr());
            if (t instanceof QtuneException) {
                cmd.getErr().println("error: " + (t instanceof InvalidSetting s ? asFlag(s, cmd) : t.getMessage()));
                return 2;
            }
            cmd.getErr().println("error: " + ex);
            return 3;
        });
        return cli.execute(args);
    }

    /** The library names settings as its builders do (calibSize); say the command's flag (--calib-size) instead. */
    static String asFlag(InvalidSetting s, CommandLine cmd) {
        for (CommandLine.Model.OptionSpec o : cmd.getCommandSpec().options()) {
            String flag = o.longestName();
            // a flag that takes a list names the builder setting in the plural (--weight-range: weightRanges)
            String setting = flag.startsWith("--") ? camel(flag.substring(2)) : null;
            if (setting != null && (setting.equals(s.setting()) || (setting + "s").equals(s.setting()))) return s.messageFor(flag);
        }
        return s.getMessage();
    }

    private static String camel(String kebab) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
