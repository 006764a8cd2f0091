package dev.sluice.cli.bench;

import org.junit.jupiter.api.Test;

class ScratchCostSemanticTest {
    @Test
    void scratch() {
        CostWorkload w = new CostWorkload(10000, 42, "mxcdzq1v");
        CostWorkload.Job j = w.jobs().get(5250);
        System.out.println("SCRATCH " + j.kind() + " original " + j.original() + " provider " + j.provider() + " deadline " + j.deadline() + " task " + j.task().substring(0, 80));
        CostWorkload.Job o = w.jobs().get(j.original());
        System.out.println("SCRATCH orig " + o.kind() + " deadline " + o.deadline());
        for (CostWorkload.Job x : w.jobs()) if (x.original() == j.original() && x.index() != j.original()) System.out.println("SCRATCH same-original " + x.index() + " " + x.kind() + " deadline " + x.deadline());
    }
}
