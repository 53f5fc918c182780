package dev.apollo.sim;

import java.util.List;

/**
 * A simulated replica holds no tensors, only a 64-bit digest of the state it would hold. Every transition a real
 * replica goes through (initialisation from the seed, an optimizer step, an expansion) maps the digest the same
 * way on every replica, so replicas that saw the same updates agree, and one that missed an update, applied one
 * twice, ran a step at another depth or reduced another gradient does not.
 */
final class ReplicaDigest {

    private ReplicaDigest() {}

    static long initial(long seed, int weights) {
        return SimData.mix(SimData.mix(seed ^ 0x5EED5EED5EEDL) + weights);
    }

    static long afterStep(long digest, long step, int weights, int depth, double lr, long[] reducedGradient) {
        long h = SimData.mix(digest ^ step);
        h = SimData.mix(h ^ ((long) weights << 32 | depth));
        h = SimData.mix(h ^ Double.doubleToLongBits(lr));
        for (long element : reducedGradient) {
            h = SimData.mix(h ^ element);
        }
        return h;
    }

    static long afterExpansion(long digest, int toWeights, List<Integer> sourceOfSlot) {
        long h = SimData.mix(digest ^ ((long) toWeights << 48));
        for (int source : sourceOfSlot) {
            h = SimData.mix(h + source);
        }
        return h;
    }

    /** A validation loss that depends on the state evaluated, so evaluating the wrong state shows. */
    static double evaluationLoss(long digest, boolean fullDepth) {
        return 2.0 + ((SimData.mix(digest ^ (fullDepth ? 1 : 2)) >>> 11) * 0x1.0p-53);
    }

    static String hex(long digest) {
        return String.format("%016x", digest);
    }
}
