package org.edgebook.engine;

import static org.assertj.core.api.Assertions.fail;

import java.util.List;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The engine against the {@link ReferenceModel}: for random flows, every command must produce exactly the model's
 * events, and the inspection API must show the model's open orders, accounts and balances.
 * <p>
 * On a disagreement the flow is cut after the first differing command and minimised, and the failure shows the
 * minimal command sequence with the model's and the engine's events.
 */
class DifferentialTest {

    @Property(tries = 300, edgeCases = EdgeCasesMode.NONE)
    void engineEmitsTheModelsEventsOnShortFlows(@ForAll("shortFlows") final RandomFlows.Flow flow) {
        assertEngineAgreesWithModel(flow.commands(), 1);
    }

    @Property(tries = 3, edgeCases = EdgeCasesMode.NONE)
    void engineEmitsTheModelsEventsOnFlowsOfTwentyThousandCommands(
            @ForAll("longFlows") final RandomFlows.Flow flow) {
        assertEngineAgreesWithModel(flow.commands(), 997);
    }

    @Provide
    Arbitrary<RandomFlows.Flow> shortFlows() {
        return RandomFlows.flows(20, 600);
    }

    @Provide
    Arbitrary<RandomFlows.Flow> longFlows() {
        return RandomFlows.flows(20_000, 20_000);
    }

    private static void assertEngineAgreesWithModel(final List<Command> flow, final int stateCheckEvery) {
        final EngineVsModel.Mismatch mismatch = EngineVsModel.firstMismatch(flow, stateCheckEvery);
        if (mismatch == null) {
            return;
        }
        // Everything after the first differing command is irrelevant to it.
        final List<Command> prefix = flow.subList(0, Math.max(0, mismatch.index() + 1));
        final List<Command> minimal = FlowMinimizer.minimize(prefix,
                candidate -> EngineVsModel.firstMismatch(candidate, 1) != null, 60_000);
        final EngineVsModel.Mismatch minimalMismatch = EngineVsModel.firstMismatch(minimal, 1);
        fail("Engine and model disagree.\nFirst disagreement in the generated flow of " + flow.size()
                + " commands: " + mismatch.description()
                + "\n\nMinimal failing flow (" + minimal.size() + " commands, cmd numbers from 1):"
                + EngineVsModel.lines(minimal)
                + "\n\nIts disagreement: " + (minimalMismatch == null ? "(none?)" : minimalMismatch.description()));
    }
}
