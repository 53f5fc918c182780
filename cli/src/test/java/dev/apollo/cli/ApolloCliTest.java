package dev.apollo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apollo.run.ChildJvm;
import org.junit.jupiter.api.Test;

class ApolloCliTest {

    @Test
    void childProcessesStartThisEntryPoint() {
        assertEquals(ApolloCli.class.getName(), ChildJvm.MAIN_CLASS);
    }
}
