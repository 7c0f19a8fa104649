package io.qtune;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph under io.qtune stays a DAG (DESIGN.md): a package may use only packages below it, so no two
 * packages reach each other through any chain of class dependencies. Checked over the compiled main classes, at
 * two grains: the top-level packages (engine, export, quant, ..., with their sub-packages folded in) and every
 * package on its own (graph vs graph.passes).
 */
class PackageCycleTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.qtune");
    }

    @Test
    void topLevelPackagesFormNoCycle() {
        slices().matching("io.qtune.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("io.qtune.(**)").should().beFreeOfCycles().check(classes);
    }
}
