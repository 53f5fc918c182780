package dev.apollo.tensor;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One process's end of the tensor plane: an Aeron client (with its own embedded media driver, or attached to a
 * driver other processes on the host share), one inbound subscription at {@link #localEndpoint()}, and exclusive
 * publications to peers, created on first use and kept. It sums int64 vectors around a ring ({@link #sum}) and moves
 * byte payloads from one process to another ({@link #send}, {@link #receive}).
 *
 * <p>Every message is one Aeron frame (a chunk no larger than the publication's max payload), so a message is never
 * split into fragments and a fragment that is not for the running operation can be left in the log with
 * {@link ControlledFragmentHandler.Action#ABORT} for a later call. Each message starts with a {@value #HEADER_LENGTH}
 * byte header: type, sender rank, tag, step, offset and total.
 *
 * <p>Tags form one increasing sequence per plane across {@code sum}, {@code send} and {@code receive}: a message
 * whose tag is smaller than the running operation's is stale and dropped; a larger one belongs to an operation still
 * to come and is kept. A peer's bulk transfers and ring messages arrive in the order it sent them, so a receiver takes
 * a peer's transfer before summing with it.
 *
 * <p>One operation at a time: a plane is used by one thread ({@code sum}, {@code send} and {@code receive} are not
 * thread-safe); {@link #close()} may come from another thread once that thread is done. {@code sum} allocates
 * nothing once the publication to its successor exists.
 */
public final class TensorPlane implements AllReduce, AutoCloseable {

    /** How processes reach each other: {@code aeron:ipc} through a driver shared on a host, or UDP. */
    public enum Transport { IPC, UDP }

    /**
     * How to start a plane.
     *
     * @param aeronDir the media driver's directory: created (and deleted on close) when {@code embeddedDriver},
     *                 otherwise the directory of a running driver this plane attaches to
     * @param embeddedDriver whether this plane launches its own media driver
     * @param transport IPC (peers share the driver) or UDP
     * @param bindHost the address the UDP subscription binds (on an ephemeral port); unused for IPC
     * @param streamId the inbound stream; planes sharing a driver over IPC need distinct ones
     * @param maxElements the largest vector {@link #sum} accepts
     * @param termLength the term length of the publications to peers (a power of two, 64 KiB to 1 GiB); half of it
     *                   is the window a sender may run ahead of its receiver
     * @param mtu the frame length, which bounds a chunk (a multiple of 32, at most 65504)
     */
    public record Settings(Path aeronDir, boolean embeddedDriver, Transport transport, String bindHost, int streamId,
                           int maxElements, int termLength, int mtu) {

        public static final int DEFAULT_TERM_LENGTH = 16 * 1024 * 1024;
        public static final int DEFAULT_MTU = 65504;

        public Settings {
            if (maxElements < 0) {
                throw new IllegalArgumentException("maxElements " + maxElements + " is negative");
            }
            if (transport == Transport.UDP && (bindHost == null || bindHost.isBlank())) {
                throw new IllegalArgumentException("a UDP tensor plane needs a bind host");
            }
        }

        /** A plane on {@code aeron:ipc} stream {@code streamId}, with the default term length and MTU. */
        public static Settings ipc(Path aeronDir, boolean embeddedDriver, int streamId, int maxElements) {
            return new Settings(aeronDir, embeddedDriver, Transport.IPC, null, streamId, maxElements,
                    DEFAULT_TERM_LENGTH, DEFAULT_MTU);
        }

        /** A plane on UDP, bound to an ephemeral port of {@code bindHost}, with the default term length and MTU. */
        public static Settings udp(Path aeronDir, boolean embeddedDriver, String bindHost, int streamId,
                                   int maxElements) {
            return new Settings(aeronDir, embeddedDriver, Transport.UDP, bindHost, streamId, maxElements,
                    DEFAULT_TERM_LENGTH, DEFAULT_MTU);
        }
    }

    static final int RING_MESSAGE = 1;
    static final int BULK_MESSAGE = 2;
    /** The sender field of a bulk message: transfers are between processes, not ranks. */
    static final int NO_RANK = -1;

    static final int TYPE_OFFSET = 0;
    static final int SENDER_OFFSET = 4;
    static final int TAG_OFFSET = 8;
    static final int STEP_OFFSET = 16;
    /** Element index (ring) or byte index (bulk) of the chunk's first value within the whole. */
    static final int POSITION_OFFSET = 20;
    /** Elements in the ring part, or bytes in the bulk payload, the chunk belongs to. */
    static final int TOTAL_OFFSET = 24;
    /** 28 bytes of fields padded to 32, so that values stay 8-byte aligned in the term buffer. */
    static final int HEADER_LENGTH = 32;

    /** Values travel little-endian; a big-endian host swaps them around the add. */
    private static final boolean SWAP_BYTES = ByteOrder.nativeOrder() != LITTLE_ENDIAN;
    private static final int FRAGMENT_LIMIT = 16;
    private static final int CHUNK_BURST = 16;
    /** A UDP receiver's window and socket buffer: enough frames in flight to keep loopback busy. */
    private static final int UDP_RECEIVER_WINDOW = 4 * 1024 * 1024;
    private static final long RESOLVE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    private final Settings settings;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final Subscription inbound;
    private final Endpoint localEndpoint;
    private final Map<Endpoint, ExclusivePublication> publications = new HashMap<>();
    private final BufferClaim claim = new BufferClaim();
    private final UnsafeBuffer values = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer outgoing = new UnsafeBuffer(0, 0);
    private final Inbox inbox = new Inbox();
    private final IdleStrategy idle = newIdleStrategy();
    private boolean closed;
    private volatile long abandonedThrough = Long.MIN_VALUE;

    private TensorPlane(Settings settings, MediaDriver driver, Aeron aeron, Subscription inbound, Endpoint local) {
        this.settings = settings;
        this.driver = driver;
        this.aeron = aeron;
        this.inbound = inbound;
        this.localEndpoint = local;
    }

    /**
     * How long a process may stand still (a long GC pause, SIGSTOP, a stalled VM) and keep its plane; Aeron's
     * default, 10 s, would close its client on waking. The cluster declares such a process dead well before this,
     * so a worker that wakes within it joins again as a new member instead of failing.
     */
    private static final Duration PAUSE_TOLERANCE = Duration.ofMinutes(1);

    /** Launches (or attaches to) the media driver, subscribes the inbound endpoint and waits until it is bound. */
    public static TensorPlane start(Settings settings) {
        String dir = settings.aeronDir().toAbsolutePath().toString();
        MediaDriver driver = null;
        Aeron aeron = null;
        try {
            if (settings.embeddedDriver()) {
                driver = MediaDriver.launch(new MediaDriver.Context()
                        .aeronDirectoryName(dir)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true)
                        .threadingMode(ThreadingMode.SHARED)
                        .sharedIdleStrategy(newIdleStrategy())
                        .termBufferSparseFile(true)
                        .clientLivenessTimeoutNs(PAUSE_TOLERANCE.toNanos())
                        .publicationUnblockTimeoutNs(PAUSE_TOLERANCE.plusSeconds(15).toNanos())
                        .socketRcvbufLength(UDP_RECEIVER_WINDOW)
                        .initialWindowLength(UDP_RECEIVER_WINDOW));
            }
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir)
                    .driverTimeoutMs(PAUSE_TOLERANCE.toMillis()));
            Subscription inbound = aeron.addSubscription(subscriptionChannel(settings), settings.streamId());
            Endpoint local = new Endpoint(resolveChannel(settings, inbound), settings.streamId());
            return new TensorPlane(settings, driver, aeron, inbound, local);
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(aeron, driver);
            throw e;
        }
    }

    /** Where peers send to this plane. */
    public Endpoint localEndpoint() {
        return localEndpoint;
    }

    /**
     * Gives up every exchange tagged {@code tag} or lower: one waiting now throws {@link ExchangeAbandonedException}
     * within a duty cycle, and later ones at once. The one call that may come from another thread: the owner of an
     * exchange waiting on a peer that is gone learns it there.
     */
    public void abandon(long tag) {
        if (tag > abandonedThrough) {
            abandonedThrough = tag;
        }
    }

    private void checkAbandoned(long tag) {
        if (tag <= abandonedThrough) {
            throw new ExchangeAbandonedException("the exchange of tag " + tag + " was given up");
        }
    }

    /** Fragments left in the log so far for a later operation (a peer already on the next step or exchange). */
    public long deferredFragments() {
        return inbox.deferred;
    }

    /**
     * Reduce-scatter then all-gather around the ring: rank r sends to r + 1 and receives from r - 1. The vector is
     * cut into {@code ring.size()} parts whose lengths differ by at most one (some are empty when count < size).
     */
    @Override
    public void sum(Ring ring, long tag, ByteBuffer buffer, int count, Duration timeout) {
        int size = ring.size();
        int rank = ring.rank();
        if (!buffer.isDirect() || count < 0 || buffer.capacity() < (long) count * Long.BYTES) {
            throw new IllegalArgumentException("sum needs a direct buffer of at least " + count + " int64 values");
        }
        if (count > settings.maxElements()) {
            throw new IllegalArgumentException("sum of " + count + " values exceeds maxElements " + settings.maxElements());
        }
        if (!ring.members().get(rank).equals(localEndpoint)) {
            throw new IllegalArgumentException("rank " + rank + " of the ring is " + ring.members().get(rank)
                    + ", not this plane's " + localEndpoint);
        }
        if (size == 1) {
            return;
        }
        Endpoint next = ring.members().get((rank + 1) % size);
        Endpoint previous = ring.members().get((rank - 1 + size) % size);
        int previousRank = (rank - 1 + size) % size;
        ExclusivePublication toNext = publicationTo(next);
        long timeoutNs = timeout.toNanos();
        values.wrap(buffer, 0, count * Long.BYTES);

        for (int step = 0; step < size - 1; step++) {
            int sendPart = Math.floorMod(rank - step, size);
            int receivePart = Math.floorMod(rank - step - 1, size);
            exchange(toNext, next, previous, previousRank, rank, tag, step, count, size, sendPart, receivePart, true,
                    timeoutNs);
        }
        for (int step = 0; step < size - 1; step++) {
            int sendPart = Math.floorMod(rank + 1 - step, size);
            int receivePart = Math.floorMod(rank - step, size);
            exchange(toNext, next, previous, previousRank, rank, tag, size - 1 + step, count, size, sendPart,
                    receivePart, false, timeoutNs);
        }
    }

    /**
     * Sends {@code bytes[position, limit)} to the plane at {@code to} as one transfer named {@code tag}; returns once
     * the last chunk is in the log, which the receiver may take later (it must start taking within {@code timeout}
     * when the payload is larger than half a term). The buffer's position is left as it was.
     *
     * @throws PeerTimeoutException when the receiver takes nothing for {@code timeout}
     */
    public void send(Endpoint to, long tag, ByteBuffer bytes, Duration timeout) {
        ExclusivePublication publication = publicationTo(to);
        int total = bytes.remaining();
        outgoing.wrap(bytes, bytes.position(), total);
        long timeoutNs = timeout.toNanos();
        int maxChunk = publication.maxPayloadLength() - HEADER_LENGTH;
        int sent = 0;
        long lastProgressNs = System.nanoTime();
        idle.reset();
        do {
            int length = Math.min(maxChunk, total - sent);
            long result = publication.tryClaim(HEADER_LENGTH + length, claim);
            if (result > 0) {
                writeHeader(claim, BULK_MESSAGE, NO_RANK, tag, 0, sent, total);
                claim.buffer().putBytes(claim.offset() + HEADER_LENGTH, outgoing, sent, length);
                claim.commit();
                sent += length;
                lastProgressNs = System.nanoTime();
                idle.reset();
            } else {
                checkOpen(result, to);
                if (System.nanoTime() - lastProgressNs > timeoutNs) {
                    throw new PeerTimeoutException(to + " took no bulk chunk of tag " + tag + " for " + timeout);
                }
                idle.idle();
            }
        } while (sent < total);
    }

    /**
     * Takes the transfer named {@code tag} from whichever peer sends it, into a new direct buffer (position 0, limit
     * the payload's length).
     *
     * @throws PeerTimeoutException when no chunk of it arrives for {@code timeout}
     */
    public ByteBuffer receive(long tag, Duration timeout) {
        inbox.expectBulk(tag);
        long timeoutNs = timeout.toNanos();
        long lastProgressNs = System.nanoTime();
        idle.reset();
        while (!inbox.bulkComplete()) {
            checkAbandoned(tag);
            int fragments = inbound.controlledPoll(inbox, FRAGMENT_LIMIT);
            inbox.throwIfMismatched();
            if (inbox.progressed()) {
                lastProgressNs = System.nanoTime();
            } else if (System.nanoTime() - lastProgressNs > timeoutNs) {
                throw new PeerTimeoutException("no bulk chunk of tag " + tag + " reached " + localEndpoint + " for "
                        + timeout);
            }
            idle.idle(fragments);
        }
        ByteBuffer payload = inbox.bulk;
        inbox.bulk = null;
        return payload.order(LITTLE_ENDIAN);
    }

    /**
     * Closes the publications, the subscription, the client and (when embedded) the driver, deleting its directory.
     * A second caller (the owner, and a shutdown hook) waits until the first is done, so neither returns with the
     * directory still there.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        CloseHelper.quietCloseAll(aeron, driver);
        if (driver != null) {
            IoUtil.delete(settings.aeronDir().toFile(), true);
        }
    }

    /** One step: sends part {@code sendPart} to the successor while taking part {@code receivePart} from the predecessor. */
    private void exchange(ExclusivePublication toNext, Endpoint next, Endpoint previous, int previousRank, int rank,
                          long tag, int step, int count, int size, int sendPart, int receivePart, boolean add,
                          long timeoutNs) {
        int sendStart = partStart(sendPart, count, size);
        int sendEnd = partStart(sendPart + 1, count, size);
        int sendPosition = sendStart;
        int maxChunk = (toNext.maxPayloadLength() - HEADER_LENGTH) / Long.BYTES;
        inbox.expectRing(tag, step, previousRank, partStart(receivePart, count, size),
                partStart(receivePart + 1, count, size), add);
        long lastSentNs = System.nanoTime();
        long lastReceivedNs = lastSentNs;
        idle.reset();
        while (sendPosition < sendEnd || !inbox.ringComplete()) {
            checkAbandoned(tag);
            int work = 0;
            for (int burst = 0; burst < CHUNK_BURST && sendPosition < sendEnd; burst++) {
                int length = Math.min(maxChunk, sendEnd - sendPosition);
                long result = toNext.tryClaim(HEADER_LENGTH + length * Long.BYTES, claim);
                if (result < 0) {
                    checkOpen(result, next);
                    break;
                }
                writeHeader(claim, RING_MESSAGE, rank, tag, step, sendPosition, sendEnd - sendStart);
                claim.buffer().putBytes(claim.offset() + HEADER_LENGTH, values, sendPosition * Long.BYTES,
                        length * Long.BYTES);
                claim.commit();
                sendPosition += length;
                work++;
            }
            long nowNs = System.nanoTime();
            if (work > 0) {
                lastSentNs = nowNs;
            } else if (sendPosition < sendEnd && nowNs - lastSentNs > timeoutNs) {
                throw new PeerTimeoutException(next + " took nothing of tag " + tag + " step " + step + " for "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
            }
            if (!inbox.ringComplete()) {
                int received = inbound.controlledPoll(inbox, FRAGMENT_LIMIT);
                inbox.throwIfMismatched();
                if (inbox.progressed()) {
                    lastReceivedNs = nowNs;
                    work += received;
                } else if (nowNs - lastReceivedNs > timeoutNs) {
                    throw new PeerTimeoutException(previous + " sent nothing of tag " + tag + " step " + step
                            + " for " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms");
                }
            }
            idle.idle(work);
        }
    }

    /** The first element of part {@code part} of {@code count} split {@code size} ways (part == size gives count). */
    static int partStart(int part, int count, int size) {
        return (int) ((long) part * count / size);
    }

    private ExclusivePublication publicationTo(Endpoint to) {
        ExclusivePublication publication = publications.get(to);
        if (publication == null) {
            ChannelUri channel = ChannelUri.parse(to.channel());
            channel.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(settings.termLength()));
            channel.put(CommonContext.MTU_LENGTH_PARAM_NAME, Integer.toString(settings.mtu()));
            publication = aeron.addExclusivePublication(channel.toString(), to.streamId());
            publications.put(to, publication);
        }
        return publication;
    }

    /** Back-pressure and a peer not yet connected are waited out; a closed publication is not. */
    private static void checkOpen(long result, Endpoint to) {
        if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
            throw new IllegalStateException("publication to " + to + " is closed (" + Publication.errorString(result)
                    + ")");
        }
    }

    private static String subscriptionChannel(Settings settings) {
        if (settings.transport() == Transport.IPC) {
            return CommonContext.IPC_CHANNEL;
        }
        return "aeron:udp?endpoint=" + settings.bindHost() + ":0|rcv-wnd=" + UDP_RECEIVER_WINDOW + "|so-rcvbuf="
                + UDP_RECEIVER_WINDOW;
    }

    /** The channel peers publish to: an ephemeral UDP port is known once the driver has bound it. */
    private static String resolveChannel(Settings settings, Subscription inbound) {
        if (settings.transport() == Transport.IPC) {
            return CommonContext.IPC_CHANNEL;
        }
        long deadlineNs = System.nanoTime() + RESOLVE_TIMEOUT_NS;
        IdleStrategy idle = newIdleStrategy();
        String resolved;
        while ((resolved = inbound.resolvedEndpoint()) == null) {
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("the driver bound no port for " + inbound.channel() + " within 5 s");
            }
            idle.idle();
        }
        return "aeron:udp?endpoint=" + resolved;
    }

    /**
     * Spins a little, yields, then parks: up to 50 µs for the first millisecond of a wait, when a chunk or a limit
     * update is likely any moment (a 1 ms park stalls a 2 GB/s stream by 2 MiB), then up to 1 ms: two cores cannot
     * afford a busy spin.
     */
    static IdleStrategy newIdleStrategy() {
        return new PatientIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(50),
                TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    /**
     * Adds {@code length} bytes of little-endian int64 at {@code source} (a term buffer: {@code sourceArray} is null
     * for off-heap memory) to those at address {@code target}. The caller checks the bounds once a chunk: a counted
     * loop of plain loads and stores, without a check an element, is one the JIT unrolls (twice as fast).
     */
    static void add(byte[] sourceArray, long source, long target, int length) {
        for (int i = 0; i < length; i += Long.BYTES) {
            long a = UnsafeApi.getLong(target + i);
            long b = UnsafeApi.getLong(sourceArray, source + i);
            UnsafeApi.putLong(target + i, SWAP_BYTES ? Long.reverseBytes(Long.reverseBytes(a) + Long.reverseBytes(b))
                    : a + b);
        }
    }

    /** Writes the message header at the start of a claimed frame. */
    private static void writeHeader(BufferClaim claim, int type, int sender, long tag, int step, int position,
                                    int total) {
        MutableDirectBuffer buffer = claim.buffer();
        int offset = claim.offset();
        buffer.putInt(offset + TYPE_OFFSET, type, LITTLE_ENDIAN);
        buffer.putInt(offset + SENDER_OFFSET, sender, LITTLE_ENDIAN);
        buffer.putLong(offset + TAG_OFFSET, tag, LITTLE_ENDIAN);
        buffer.putInt(offset + STEP_OFFSET, step, LITTLE_ENDIAN);
        buffer.putInt(offset + POSITION_OFFSET, position, LITTLE_ENDIAN);
        buffer.putInt(offset + TOTAL_OFFSET, total, LITTLE_ENDIAN);
    }

    /**
     * The fragment handler of the inbound subscription: takes the chunks of the running operation (adding or copying
     * them into the caller's vector, or into the bulk payload), drops stale ones and leaves later ones in the log.
     * Errors are recorded, not thrown, since Aeron hands a handler's exception to its error handler.
     */
    private final class Inbox implements ControlledFragmentHandler {

        private int type;
        private long tag;
        private int step;
        private int sender;
        private int partStart;
        private int partLength;
        private boolean add;
        private int ringReceived;
        private boolean progressed;
        private ByteBuffer bulk;
        private final UnsafeBuffer bulkBuffer = new UnsafeBuffer(0, 0);
        private int bulkReceived;
        private int bulkTotal;
        private long deferred;
        /** What a peer sent that does not fit the running operation; thrown by the caller of the poll. */
        private String mismatch;

        void expectRing(long tag, int step, int sender, int partStart, int partEnd, boolean add) {
            this.type = RING_MESSAGE;
            this.tag = tag;
            this.step = step;
            this.sender = sender;
            this.partStart = partStart;
            this.partLength = partEnd - partStart;
            this.add = add;
            this.ringReceived = 0;
            this.progressed = false;
        }

        void expectBulk(long tag) {
            this.type = BULK_MESSAGE;
            this.tag = tag;
            this.bulk = null;
            this.bulkReceived = 0;
            this.progressed = false;
        }

        boolean ringComplete() {
            return ringReceived == partLength;
        }

        boolean bulkComplete() {
            return bulk != null && bulkReceived == bulkTotal;
        }

        /** Whether a chunk of the running step arrived since the last call. */
        boolean progressed() {
            boolean result = progressed;
            progressed = false;
            return result;
        }

        void throwIfMismatched() {
            if (mismatch != null) {
                String message = mismatch;
                mismatch = null;
                throw new IllegalStateException(message);
            }
        }

        @Override
        public Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
            int messageType = buffer.getInt(offset + TYPE_OFFSET, LITTLE_ENDIAN);
            long messageTag = buffer.getLong(offset + TAG_OFFSET, LITTLE_ENDIAN);
            int messageStep = buffer.getInt(offset + STEP_OFFSET, LITTLE_ENDIAN);
            if (messageTag < tag || (messageTag == tag && messageType == RING_MESSAGE && type == RING_MESSAGE
                    && messageStep < step)) {
                return Action.CONTINUE;
            }
            if (messageType != type || messageTag != tag
                    || (type == RING_MESSAGE && (messageStep != step
                    || buffer.getInt(offset + SENDER_OFFSET, LITTLE_ENDIAN) != sender))) {
                deferred++;
                return Action.ABORT;
            }
            int position = buffer.getInt(offset + POSITION_OFFSET, LITTLE_ENDIAN);
            int total = buffer.getInt(offset + TOTAL_OFFSET, LITTLE_ENDIAN);
            int dataOffset = offset + HEADER_LENGTH;
            int dataLength = length - HEADER_LENGTH;
            return type == RING_MESSAGE ? takeRing(buffer, dataOffset, dataLength, position, total)
                    : takeBulk(buffer, dataOffset, dataLength, position, total);
        }

        private Action takeRing(DirectBuffer buffer, int dataOffset, int dataLength, int position, int total) {
            if (total != partLength) {
                mismatch = "a peer sent a part of " + total + " for tag " + tag + ", this plane expects " + partLength;
                return Action.BREAK;
            }
            int elements = dataLength / Long.BYTES;
            if (dataLength % Long.BYTES != 0 || position < partStart || position + elements > partStart + partLength) {
                mismatch = "a peer sent values [" + position + ", " + (position + elements) + ") for tag " + tag
                        + ", outside this plane's part [" + partStart + ", " + (partStart + partLength) + ")";
                return Action.BREAK;
            }
            int valuesOffset = position * Long.BYTES;
            if (add) {
                add(buffer.byteArray(), buffer.addressOffset() + dataOffset, values.addressOffset() + valuesOffset,
                        dataLength);
            } else {
                values.putBytes(valuesOffset, buffer, dataOffset, dataLength);
            }
            ringReceived += elements;
            progressed = true;
            return ringComplete() ? Action.BREAK : Action.CONTINUE;
        }

        private Action takeBulk(DirectBuffer buffer, int dataOffset, int dataLength, int position, int total) {
            if (bulk == null) {
                bulk = ByteBuffer.allocateDirect(total);
                bulkBuffer.wrap(bulk);
                bulkTotal = total;
            } else if (total != bulkTotal) {
                mismatch = "a peer sent a payload of " + total + " for tag " + tag + ", this plane expects "
                        + bulkTotal;
                return Action.BREAK;
            }
            bulkBuffer.putBytes(position, buffer, dataOffset, dataLength);
            bulkReceived += dataLength;
            progressed = true;
            return bulkComplete() ? Action.BREAK : Action.CONTINUE;
        }
    }
}
