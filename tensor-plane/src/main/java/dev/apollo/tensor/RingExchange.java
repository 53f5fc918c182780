package dev.apollo.tensor;

/**
 * One rank's part in one ring all-reduce, as a state machine without I/O or a clock of its own: the schedule
 * (reduce-scatter, then all-gather), the rule for every fragment that arrives, and when a silent peer is given up.
 * {@link TensorPlane} runs it from its duty cycle over Aeron; the simulator runs it over a network that loses,
 * duplicates and reorders. Whoever runs it moves the values: it says which elements to send next, where a fragment
 * it takes goes and whether it is added or copied.
 *
 * <p>The vector of {@code count} elements is cut into {@code size} parts whose lengths differ by at most one. In
 * step k of the first {@code size - 1} the rank sends part {@code rank - k} to its successor and adds part
 * {@code rank - k - 1} from its predecessor; in the next {@code size - 1} the summed parts go round once more and are
 * copied. A step ends when its part is sent and its part received; a step whose parts are empty ends at once.
 *
 * <p>Fragments are ordered by (tag, step, position). The one expected next is taken; one before it was taken
 * already (a duplicate) or belongs to an exchange given up, and is dropped; one after it belongs to a step or an
 * exchange still to come, and is deferred to be offered again. A fragment that no honest peer sends (the wrong
 * sender, a part of another length, values outside the part) is refused, and the exchange cannot go on.
 */
public final class RingExchange {

    /** What to do with an offered fragment. */
    public enum Verdict {
        /** The next one expected: move its values into the receive part, then call {@link #took}. */
        TAKE,
        /** For a later step or exchange: keep it and offer it again. */
        DEFER,
        /** Taken before, or of an earlier exchange: forget it. */
        DROP,
        /** No honest peer sends it: {@link #refusal()} says why. */
        REFUSE
    }

    private long tag;
    private int rank;
    private int size;
    private int count;
    private int step;
    private int sendPosition;
    private int receivePosition;
    private long lastSentNs;
    private long lastReceivedNs;
    private String refusal;

    /** Starts the exchange {@code tag} of {@code count} elements as rank {@code rank} of a ring of {@code size}. */
    public void start(long tag, int rank, int size, int count, long nowNs) {
        if (size < 1 || rank < 0 || rank >= size || count < 0) {
            throw new IllegalArgumentException("rank " + rank + " of a ring of " + size + " summing " + count);
        }
        this.tag = tag;
        this.rank = rank;
        this.size = size;
        this.count = count;
        this.step = 0;
        this.refusal = null;
        enterStep(nowNs);
        advance(nowNs);
    }

    public long tag() {
        return tag;
    }

    public int step() {
        return step;
    }

    /** Steps in all: {@code 2 (size - 1)}. */
    public int steps() {
        return 2 * (size - 1);
    }

    public boolean complete() {
        return step == steps();
    }

    /** The rank this one receives from. */
    public int predecessor() {
        return Math.floorMod(rank - 1, size);
    }

    /** Whether this step's part is added (reduce-scatter) or copied (all-gather). */
    public boolean adds() {
        return step < size - 1;
    }

    /** The next element to send in this step. */
    public int sendPosition() {
        return sendPosition;
    }

    /** The end of this step's send part. */
    public int sendEnd() {
        return partStart(sendPart() + 1);
    }

    /** The first element of this step's send part: with {@link #sendPosition()}, where a fragment's values start. */
    public int sendStart() {
        return partStart(sendPart());
    }

    public boolean sendPending() {
        return !complete() && sendPosition < sendEnd();
    }

    /** The next element expected in this step. */
    public int receivePosition() {
        return receivePosition;
    }

    public int receiveStart() {
        return partStart(receivePart());
    }

    public int receiveEnd() {
        return partStart(receivePart() + 1);
    }

    public boolean receivePending() {
        return !complete() && receivePosition < receiveEnd();
    }

    /** {@code elements} from {@link #sendPosition()} on are in the successor's log. */
    public void sent(int elements, long nowNs) {
        if (elements <= 0 || sendPosition + elements > sendEnd()) {
            throw new IllegalArgumentException("sent " + elements + " elements from " + sendPosition + " of a part"
                    + " ending at " + sendEnd());
        }
        sendPosition += elements;
        lastSentNs = nowNs;
        advance(nowNs);
    }

    /**
     * What to do with a fragment of {@code elements} values that claims to be rank {@code sender}'s, for exchange
     * {@code tag}, step {@code step}, starting at element {@code position} of a part of {@code total}.
     */
    public Verdict offer(long tag, int step, int sender, int position, int total, int elements) {
        if (tag != this.tag) {
            return tag < this.tag ? Verdict.DROP : Verdict.DEFER;
        }
        if (step < 0 || step >= steps()) {
            return refuse("a peer sent step " + step + " of exchange " + tag + ", which has steps 0 to "
                    + (steps() - 1));
        }
        if (step != this.step) {
            return step < this.step ? Verdict.DROP : Verdict.DEFER;
        }
        if (sender != predecessor()) {
            return refuse("rank " + sender + " sent step " + step + " of exchange " + tag + " to rank " + rank
                    + ", whose predecessor is rank " + predecessor());
        }
        if (total != receiveEnd() - receiveStart()) {
            return refuse("a peer sent a part of " + total + " for exchange " + tag + ", this rank expects "
                    + (receiveEnd() - receiveStart()));
        }
        if (elements <= 0 || position < receiveStart() || position + elements > receiveEnd()) {
            return refuse("a peer sent values [" + position + ", " + (position + elements) + ") for exchange " + tag
                    + ", outside this rank's part [" + receiveStart() + ", " + receiveEnd() + ")");
        }
        if (position != receivePosition) {
            return position < receivePosition ? Verdict.DROP : Verdict.DEFER;
        }
        return Verdict.TAKE;
    }

    /** Why the last fragment was refused. */
    public String refusal() {
        return refusal;
    }

    /** The fragment just offered and taken held {@code elements} values, now moved into the receive part. */
    public void took(int elements, long nowNs) {
        receivePosition += elements;
        lastReceivedNs = nowNs;
        advance(nowNs);
    }

    /** Whether the successor took nothing for {@code timeoutNs} while this rank had a part to send. */
    public boolean sendOverdue(long nowNs, long timeoutNs) {
        return sendPending() && nowNs - lastSentNs > timeoutNs;
    }

    /** Whether the predecessor sent nothing for {@code timeoutNs} while this rank waited on its part. */
    public boolean receiveOverdue(long nowNs, long timeoutNs) {
        return receivePending() && nowNs - lastReceivedNs > timeoutNs;
    }

    /** Why the exchange gives up at {@code nowNs}: the successor or the predecessor is overdue; null while neither. */
    public String overdue(long nowNs, long timeoutNs) {
        String silent = sendOverdue(nowNs, timeoutNs) ? "the successor took nothing"
                : receiveOverdue(nowNs, timeoutNs) ? "the predecessor sent nothing" : null;
        return silent == null ? null
                : silent + " of exchange " + tag + " step " + step + " for " + timeoutNs / 1_000_000 + " ms";
    }

    /** The first element of part {@code part} of {@code count} split {@code size} ways (part == size gives count). */
    static int partStart(int part, int count, int size) {
        return (int) ((long) part * count / size);
    }

    private Verdict refuse(String why) {
        refusal = why;
        return Verdict.REFUSE;
    }

    private int sendPart() {
        return Math.floorMod(step < size - 1 ? rank - step : rank + 1 - (step - (size - 1)), size);
    }

    private int receivePart() {
        return Math.floorMod(step < size - 1 ? rank - step - 1 : rank - (step - (size - 1)), size);
    }

    private int partStart(int part) {
        return partStart(part, count, size);
    }

    /** Moves past every step whose parts are done; a new step's peers get the whole timeout from now. */
    private void advance(long nowNs) {
        while (!complete() && sendPosition == sendEnd() && receivePosition == receiveEnd()) {
            step++;
            if (!complete()) {
                enterStep(nowNs);
            }
        }
    }

    private void enterStep(long nowNs) {
        sendPosition = sendStart();
        receivePosition = receiveStart();
        lastSentNs = nowNs;
        lastReceivedNs = nowNs;
    }
}
