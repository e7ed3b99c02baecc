package dev.osprey.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code osprey} command line. */
@Command(name = "osprey", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Osprey: an MLflow-compatible tracking server and Java SDK.",
        subcommands = {ServerCommand.class, DbCommand.class, GcCommand.class, GatewayCommand.class,
            EvaluateCommand.class, OptimizePromptCommand.class, AlignJudgeCommand.class, SimulateCommand.class,
            ModelsCommand.class, AgentsCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Reports the jar's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"osprey " + (v == null ? "dev" : v)};
        }
    }
}
