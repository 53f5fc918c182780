package dev.apollo.worker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class TentativeUpdateTest {

    @Test
    void theNextBoundaryAppliesTheHeldUpdateOnce() {
        TentativeUpdate<String> held = new TentativeUpdate<>();
        held.hold(4, "update of 4");

        assertEquals("update of 4", held.before(5));
        assertNull(held.before(5), "applied once");
    }

    @Test
    void aReRunOfTheHeldStepDropsItsUpdate() {
        TentativeUpdate<String> held = new TentativeUpdate<>();
        held.hold(4, "update of attempt 0");

        assertNull(held.before(4));
        held.hold(4, "update of attempt 1");
        assertEquals("update of attempt 1", held.before(5), "the re-run's own update is held as any other");
    }

    @Test
    void aNewcomerGivenTheStateBeforeTheHeldStepGetsItWithoutTheUpdate() {
        TentativeUpdate<String> held = new TentativeUpdate<>();
        held.hold(4, "update of 4");

        assertNull(held.before(4), "the state before step 4, for a copy ahead of its re-run");
        assertNull(held.peek());
    }

    @Test
    void anExportOutsideTheRunTakesTheHeldUpdateAndAReplacedStateDropsIt() {
        TentativeUpdate<String> held = new TentativeUpdate<>();
        held.hold(9, "update of 9");
        assertEquals("update of 9", held.take());

        held.hold(10, "update of 10");
        held.drop();
        assertNull(held.before(11));
    }
}
