package dev.osprey.server;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point down the module list of docs/architecture.md, packages form no cycles at any level, and
 * {@code internal} packages stay inside their module.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.osprey");

    @Test
    void core_dependsOnNothingOfOurs() {
        noClasses().that().resideInAPackage("dev.osprey.core..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.osprey.protocol..", "dev.osprey.search..",
                        "dev.osprey.store..", "dev.osprey.storesql..", "dev.osprey.server..")
                .check(CLASSES);
    }

    @Test
    void stores_doNotKnowTheServerOrTheWireFormat() {
        noClasses().that().resideInAnyPackage("dev.osprey.store..", "dev.osprey.storesql..", "dev.osprey.search..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.osprey.server..", "dev.osprey.protocol..",
                        "io.helidon..")
                .check(CLASSES);
    }

    @Test
    void artifactStorage_knowsNothingOfStoresServerOrWireFormat() {
        noClasses().that().resideInAPackage("dev.osprey.artifacts..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.osprey.store..", "dev.osprey.storesql..",
                        "dev.osprey.server..", "dev.osprey.protocol..", "io.helidon..")
                .check(CLASSES);
    }

    @Test
    void onlyTheSqlBackendTouchesJooqAndJdbcDrivers() {
        noClasses().that().resideOutsideOfPackage("dev.osprey.storesql..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jooq..", "org.flywaydb..", "com.zaxxer..",
                        "org.sqlite..")
                .check(CLASSES);
    }

    @Test
    void packages_areFreeOfCycles() {
        slices().matching("dev.osprey.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    /**
     * Settings are resolved once, by the configuration code (the command line, {@code ServerConfig},
     * {@code ServerSettings}), and passed down: nothing else reads environment variables or system properties.
     */
    @Test
    void onlyTheConfigurationCode_readsTheEnvironment() {
        noClasses().that().resideOutsideOfPackages("dev.osprey.cli..", "dev.osprey.bench..")
                .and().doNotHaveFullyQualifiedName(ServerConfig.class.getName())
                .and().doNotHaveFullyQualifiedName(ServerSettings.class.getName())
                .should().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .orShould().callMethod(System.class, "getProperties")
                .orShould().callMethod(System.class, "getProperty", String.class)
                .orShould().callMethod(System.class, "getProperty", String.class, String.class)
                .orShould().callMethod(Long.class, "getLong", String.class)
                .orShould().callMethod(Long.class, "getLong", String.class, long.class)
                .orShould().callMethod(Integer.class, "getInteger", String.class)
                .orShould().callMethod(Integer.class, "getInteger", String.class, int.class)
                .orShould().callMethod(Boolean.class, "getBoolean", String.class)
                .check(CLASSES);
    }

    /** Code that is not API lives in {@code ...internal} packages and is used only inside its own module. */
    @Test
    void internalPackages_areUsedOnlyInsideTheirModule() {
        classes().that().resideInAPackage("..internal..").should(new ArchCondition<JavaClass>(
                "be used only inside their module") {
            @Override
            public void check(JavaClass internal, ConditionEvents events) {
                String[] parts = internal.getPackageName().split("\\.");
                String module = parts[0] + "." + parts[1] + "." + parts[2] + ".";
                for (Dependency d : internal.getDirectDependenciesToSelf()) {
                    if (!d.getOriginClass().getPackageName().concat(".").startsWith(module)) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                    }
                }
            }
        }).check(CLASSES);
    }

    @Test
    void packages_areFreeOfCycles_atEveryLevel() {
        slices().matching("dev.osprey.(**)").should().beFreeOfCycles().check(CLASSES);
    }
}
