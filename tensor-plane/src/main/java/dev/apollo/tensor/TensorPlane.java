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
 * {@link ControlledFragmentHandler.Action#ABORT} for a later call. Each message starts with a {@value FrameHeader#LENGTH}
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
    private final RingExchange exchange = new RingExchange();
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
                        // log buffers whole from the start: a sparse one faults its pages in during the first
                        // sums, which made a 4 MiB sum as slow as a 16 MiB one
                        .termBufferSparseFile(false)
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
     * Reduce-scatter then all-gather around the ring ({@link RingExchange} decides what moves when): rank r sends to
     * r + 1 and receives from r - 1, from a duty cycle that sends what the successor's window takes, then polls.
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
        ExclusivePublication toNext = publicationTo(next);
        long timeoutNs = timeout.toNanos();
        values.wrap(buffer, 0, count * Long.BYTES);
        exchange.start(tag, rank, size, count, System.nanoTime());
        inbox.expectRing();
        idle.reset();
        while (!exchange.complete()) {
            checkAbandoned(tag);
            int work = sendChunks(toNext, next, rank);
            if (exchange.receivePending()) {
                work += inbound.controlledPoll(inbox, FRAGMENT_LIMIT);
                inbox.throwIfMismatched();
            }
            long nowNs = System.nanoTime();
            String overdue = exchange.overdue(nowNs, timeoutNs);
            if (overdue != null) {
                Endpoint silent = exchange.sendOverdue(nowNs, timeoutNs) ? next
                        : ring.members().get(exchange.predecessor());
                throw new PeerTimeoutException(silent + ": " + overdue);
            }
            idle.idle(work);
        }
    }

    /** Claims and fills up to a burst of chunks of this step's part, as far as the successor's window allows. */
    private int sendChunks(ExclusivePublication toNext, Endpoint next, int rank) {
        int maxChunk = (toNext.maxPayloadLength() - FrameHeader.LENGTH) / Long.BYTES;
        int chunks = 0;
        while (chunks < CHUNK_BURST && exchange.sendPending()) {
            int position = exchange.sendPosition();
            int length = Math.min(maxChunk, exchange.sendEnd() - position);
            long result = toNext.tryClaim(FrameHeader.LENGTH + length * Long.BYTES, claim);
            if (result < 0) {
                checkOpen(result, next);
                break;
            }
            FrameHeader.write(claim.buffer(), claim.offset(), FrameHeader.RING_MESSAGE, rank, exchange.tag(),
                    exchange.step(), position, exchange.sendEnd() - exchange.sendStart());
            claim.buffer().putBytes(claim.offset() + FrameHeader.LENGTH, values, position * Long.BYTES,
                    length * Long.BYTES);
            claim.commit();
            exchange.sent(length, System.nanoTime());
            chunks++;
        }
        return chunks;
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
        int maxChunk = publication.maxPayloadLength() - FrameHeader.LENGTH;
        int sent = 0;
        long lastProgressNs = System.nanoTime();
        idle.reset();
        do {
            int length = Math.min(maxChunk, total - sent);
            long result = publication.tryClaim(FrameHeader.LENGTH + length, claim);
            if (result > 0) {
                FrameHeader.write(claim.buffer(), claim.offset(), FrameHeader.BULK_MESSAGE, FrameHeader.NO_RANK, tag,
                        0, sent, total);
                claim.buffer().putBytes(claim.offset() + FrameHeader.LENGTH, outgoing, sent, length);
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
     * Takes the transfer named {@code tag} from whichever peer sends it, into the plane's receive buffer (grown only
     * for a payload larger than any before): position 0, limit the payload's length, valid until the next receive.
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
        return inbox.payload();
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

    /**
     * The fragment handler of the inbound subscription. In a sum it offers ring chunks to the {@link RingExchange}
     * and adds or copies those it takes into the caller's vector; in a receive it copies the transfer's chunks into
     * the receive buffer. Chunks of earlier operations are dropped, later ones left in the log. Errors are recorded,
     * not thrown, since Aeron hands a handler's exception to its error handler.
     */
    private final class Inbox implements ControlledFragmentHandler {

        private final FrameHeader frame = new FrameHeader();
        private int type;
        private long bulkTag;
        private ByteBuffer bulk = ByteBuffer.allocateDirect(0);
        private final UnsafeBuffer bulkBuffer = new UnsafeBuffer(0, 0);
        private int bulkReceived;
        /** The payload's length once its first chunk is in; -1 before. */
        private int bulkTotal;
        private boolean progressed;
        private long deferred;
        /** What a peer sent that does not fit the running operation; thrown by the caller of the poll. */
        private String mismatch;

        void expectRing() {
            type = FrameHeader.RING_MESSAGE;
        }

        void expectBulk(long tag) {
            type = FrameHeader.BULK_MESSAGE;
            bulkTag = tag;
            bulkReceived = 0;
            bulkTotal = -1;
            progressed = false;
        }

        boolean bulkComplete() {
            return bulkReceived == bulkTotal;
        }

        ByteBuffer payload() {
            return bulk.clear().limit(bulkTotal).order(LITTLE_ENDIAN);
        }

        /** Whether a chunk of the transfer arrived since the last call. */
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
            frame.wrap(buffer, offset);
            long runningTag = type == FrameHeader.RING_MESSAGE ? exchange.tag() : bulkTag;
            if (frame.type() != type || frame.tag() != runningTag) {
                return frame.tag() < runningTag ? Action.CONTINUE : defer();
            }
            int dataOffset = offset + FrameHeader.LENGTH;
            int dataLength = length - FrameHeader.LENGTH;
            return type == FrameHeader.RING_MESSAGE ? takeRing(buffer, dataOffset, dataLength)
                    : takeBulk(buffer, dataOffset, dataLength);
        }

        private Action defer() {
            deferred++;
            return Action.ABORT;
        }

        private Action takeRing(DirectBuffer buffer, int dataOffset, int dataLength) {
            if (dataLength % Long.BYTES != 0) {
                mismatch = "a peer sent a ring chunk of " + dataLength + " bytes, not a whole number of int64 values";
                return Action.BREAK;
            }
            int elements = dataLength / Long.BYTES;
            int position = frame.position();
            switch (exchange.offer(frame.tag(), frame.step(), frame.sender(), position, frame.total(), elements)) {
                case TAKE -> {
                    if (exchange.adds()) {
                        add(buffer.byteArray(), buffer.addressOffset() + dataOffset,
                                values.addressOffset() + (long) position * Long.BYTES, dataLength);
                    } else {
                        values.putBytes(position * Long.BYTES, buffer, dataOffset, dataLength);
                    }
                    exchange.took(elements, System.nanoTime());
                    return exchange.receivePending() ? Action.CONTINUE : Action.BREAK;
                }
                case DEFER -> {
                    return defer();
                }
                case DROP -> {
                    return Action.CONTINUE;
                }
                default -> {
                    mismatch = exchange.refusal();
                    return Action.BREAK;
                }
            }
        }

        private Action takeBulk(DirectBuffer buffer, int dataOffset, int dataLength) {
            int total = frame.total();
            if (bulkTotal < 0) {
                if (total < 0) {
                    mismatch = "a peer announced a payload of " + total + " bytes for tag " + bulkTag;
                    return Action.BREAK;
                }
                if (total > bulk.capacity()) {
                    bulk = ByteBuffer.allocateDirect(total);
                }
                bulkBuffer.wrap(bulk, 0, total);
                bulkTotal = total;
            } else if (total != bulkTotal) {
                mismatch = "a peer sent a payload of " + total + " for tag " + bulkTag + ", this plane expects "
                        + bulkTotal;
                return Action.BREAK;
            }
            if (frame.position() != bulkReceived || dataLength > bulkTotal - bulkReceived) {
                mismatch = "a peer sent bytes [" + frame.position() + ", " + (frame.position() + dataLength)
                        + ") of tag " + bulkTag + " where bytes from " + bulkReceived + " of " + bulkTotal
                        + " were due";
                return Action.BREAK;
            }
            bulkBuffer.putBytes(bulkReceived, buffer, dataOffset, dataLength);
            bulkReceived += dataLength;
            progressed = true;
            return bulkComplete() ? Action.BREAK : Action.CONTINUE;
        }
    }
}
