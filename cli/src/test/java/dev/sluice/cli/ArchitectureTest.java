package dev.sluice.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module rules of docs/architecture.md, checked on the compiled classes of every module. */
class ArchitectureTest {
    private static final String[] SERVICES = {
        "dev.sluice.router..", "dev.sluice.worker..", "dev.sluice.sink..", "dev.sluice.ingest.."
    };
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.sluice");
    }

    @Test
    void servicesShouldNotDependOnEachOther() {
        slices().matching("dev.sluice.(router|worker|sink|ingest)..")
                .should()
                .notDependOnEachOther()
                .because("services meet only through Kafka topics; share code by moving it to runtime or schemas")
                .check(classes);
    }

    @Test
    void servicesShouldWorkWithPlainRecordsNotAvroClasses() {
        noClasses()
                .that()
                .resideInAnyPackage(SERVICES)
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.sluice.avro..")
                .because("Avro classes stay at the edge (ADR 0005): use dev.sluice.model records and SluiceSerdes")
                .check(classes);
    }

    @Test
    void servicesAndSharedCodeShouldNotDependOnDevelopmentTools() {
        noClasses()
                .that()
                .resideInAnyPackage(SERVICES)
                .or()
                .resideInAnyPackage("dev.sluice.runtime..", "dev.sluice.schemas..", "dev.sluice.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.sluice.devstack..", "dev.sluice.sim..", "dev.sluice.cli..", "dev.sluice.testkit..")
                .because("production code must not need the embedded broker, the simulator or the CLI")
                .check(classes);
    }

    @Test
    void sharedCodeShouldNotDependOnServices() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.sluice.runtime..", "dev.sluice.schemas..", "dev.sluice.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(SERVICES)
                .because("runtime and schemas are shared by every service and must not know any of them")
                .check(classes);
    }
}
