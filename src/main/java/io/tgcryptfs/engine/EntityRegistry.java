package io.tgcryptfs.engine;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Spawns one entity actor per key on demand and routes messages to it. Idle entities passivate with a
 * handshake so no message is lost: the entity asks to stop; from then on the registry buffers new
 * messages for that key and sends the entity {@code stop}; the entity either stops (having handled all
 * earlier messages, since delivery is ordered) or says it is busy after all. When it has stopped,
 * buffered messages go to a fresh entity.
 *
 * <p>Past {@code maxLive} entities the registry starts the same handshake itself, with the entities it
 * delivered to least recently: without a cap, the live entities are every key touched within the
 * entities' idle time, so a fast enough stream of new files (a tree being copied in) holds an actor
 * per file of the last passivate-after seconds, unbounded by the heap. A busy entity stays, as above.
 */
public final class EntityRegistry<K, M> extends AbstractBehavior<EntityRegistry.Command> {
    public interface Command {
    }

    /** Deliver {@code message} to the entity for {@code key}, spawning it if needed. */
    public record Deliver<K, M>(K key, M message) implements Command {
    }

    /** Deliver {@code message} to every live entity whose key matches. */
    public record Broadcast<K, M>(Predicate<K> keys, M message) implements Command {
    }

    /** Sent by an idle entity. */
    public record Passivate<K>(K key, ActorRef<?> entity) implements Command {
    }

    /** Sent by an entity that got {@code stop} but has work after all. */
    public record StayAlive<K>(K key) implements Command {
    }

    /**
     * Ask every entity whose key matches (including ones mid-passivation); their answers go, all at once,
     * to {@code done} on the thread of the last to answer. Used for flushes: only entities that exist can
     * hold dirty data.
     */
    public record CallAll<K, M, R>(Predicate<K> keys, Function<Consumer<R>, M> question,
                                   Consumer<List<R>> done) implements Command {
    }

    /**
     * {@link Broadcast} to the live entities of one group (for bands: one inode's), found through an
     * index instead of a scan of every live entity: per-file operations stay O(bands of the file).
     */
    public record GroupBroadcast<M>(Object group, M message) implements Command {
    }

    /** {@link CallAll} for the live entities of one group. */
    public record GroupCall<M, R>(Object group, Function<Consumer<R>, M> question,
                                  Consumer<List<R>> done) implements Command {
    }

    /** How many entities are alive (for metrics and tests). */
    public record CountLive(ActorRef<Integer> replyTo) implements Command {
    }

    private record Stopped<K>(K key, ActorRef<?> entity) implements Command {
    }

    private final class Entry {
        final ActorRef<M> ref;
        List<M> buffer;

        Entry(ActorRef<M> ref) {
            this.ref = ref;
        }

        boolean passivating() {
            return buffer != null;
        }

        /** Mid-passivation, messages wait for the outcome of the handshake; otherwise they go straight on. */
        void deliver(M message) {
            if (passivating()) {
                buffer.add(message);
            } else {
                ref.tell(message);
            }
        }
    }

    private final BiFunction<K, ActorRef<Command>, Behavior<M>> factory;
    private final M stop;
    private final Props props;
    private final String namePrefix;
    /** Access order: the first entries are the ones delivered to least recently. */
    private final Map<K, Entry> entities = new java.util.LinkedHashMap<>(16, 0.75f, true);
    private final int maxLive;
    private final Function<K, Object> groupOf;
    private final Map<Object, java.util.Set<K>> groups = new HashMap<>();
    private long spawned;

    public static <K, M> Behavior<Command> create(String namePrefix, BiFunction<K, ActorRef<Command>, Behavior<M>> factory,
                                                  M stop, Props props) {
        return create(namePrefix, factory, stop, props, key -> key, Integer.MAX_VALUE);
    }

    /** @param groupOf the group a key belongs to, for {@link GroupBroadcast} and {@link GroupCall} */
    public static <K, M> Behavior<Command> create(String namePrefix, BiFunction<K, ActorRef<Command>, Behavior<M>> factory,
                                                  M stop, Props props, Function<K, Object> groupOf) {
        return create(namePrefix, factory, stop, props, groupOf, Integer.MAX_VALUE);
    }

    /**
     * @param maxLive past this many live entities, the least recently used ones are asked to stop (see
     *                the class comment); at least 1
     */
    public static <K, M> Behavior<Command> create(String namePrefix, BiFunction<K, ActorRef<Command>, Behavior<M>> factory,
                                                  M stop, Props props, Function<K, Object> groupOf,
                                                  int maxLive) {
        if (maxLive < 1) {
            throw new IllegalArgumentException("maxLive must be at least 1");
        }
        return Behaviors.setup(ctx -> new EntityRegistry<>(ctx, namePrefix, factory, stop, props, groupOf, maxLive));
    }

    private EntityRegistry(ActorContext<Command> ctx, String namePrefix, BiFunction<K, ActorRef<Command>, Behavior<M>> factory,
                           M stop, Props props, Function<K, Object> groupOf, int maxLive) {
        super(ctx);
        this.maxLive = maxLive;
        this.groupOf = groupOf;
        this.namePrefix = namePrefix;
        this.factory = factory;
        this.stop = stop;
        this.props = props;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Deliver.class, this::onDeliver)
                .onMessage(Broadcast.class, this::onBroadcast)
                .onMessage(Passivate.class, this::onPassivate)
                .onMessage(StayAlive.class, this::onStayAlive)
                .onMessage(Stopped.class, this::onStopped)
                .onMessage(CountLive.class, this::onCountLive)
                .onMessage(CallAll.class, this::onCallAll)
                .onMessage(GroupBroadcast.class, this::onGroupBroadcast)
                .onMessage(GroupCall.class, this::onGroupCall)
                .build();
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onDeliver(Deliver<?, ?> d) {
        K key = (K) d.key();
        M message = (M) d.message();
        Entry entry = entities.get(key);
        if (entry == null) {
            entry = spawn(key);
            shed();
        }
        entry.deliver(message);
        return this;
    }

    /**
     * Past {@code maxLive}, starts the handshake with the least recently used entities, one per entity
     * over the cap; entities already mid-passivation count as leaving. One that answers {@link StayAlive}
     * moves to the most recently used end.
     */
    private void shed() {
        int excess = entities.size() - maxLive;
        for (java.util.Iterator<Entry> it = entities.values().iterator(); excess > 0 && it.hasNext(); excess--) {
            Entry entry = it.next();
            if (!entry.passivating()) {
                entry.buffer = new ArrayList<>();
                entry.ref.tell(stop);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onBroadcast(Broadcast<?, ?> b) {
        Predicate<K> keys = (Predicate<K>) b.keys();
        M message = (M) b.message();
        entities.forEach((key, entry) -> {
            if (keys.test(key)) {
                entry.deliver(message);
            }
        });
        return this;
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onPassivate(Passivate<?> p) {
        Entry entry = entities.get((K) p.key());
        if (entry != null && entry.ref.equals(p.entity()) && !entry.passivating()) {
            entry.buffer = new ArrayList<>();
            entry.ref.tell(stop);
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onStayAlive(StayAlive<?> s) {
        Entry entry = entities.get((K) s.key());
        if (entry != null && entry.passivating()) {
            List<M> buffered = entry.buffer;
            entry.buffer = null;
            buffered.forEach(entry.ref::tell);
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onStopped(Stopped<?> s) {
        K key = (K) s.key();
        Entry entry = entities.get(key);
        if (entry == null || !entry.ref.equals(s.entity())) {
            return this;
        }
        remove(key);
        if (entry.buffer != null && !entry.buffer.isEmpty()) {
            Entry fresh = spawn(key);
            entry.buffer.forEach(fresh.ref::tell);
        }
        return this;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Behavior<Command> onCallAll(CallAll c) {
        Predicate<K> keys = c.keys();
        List<Entry> targets = new ArrayList<>();
        entities.forEach((key, entry) -> {
            if (keys.test(key)) {
                targets.add(entry);
            }
        });
        call(targets, c.question(), c.done());
        return this;
    }

    @SuppressWarnings("unchecked")
    private Behavior<Command> onGroupBroadcast(GroupBroadcast<?> b) {
        for (Entry entry : members(b.group())) {
            entry.deliver((M) b.message());
        }
        return this;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Behavior<Command> onGroupCall(GroupCall g) {
        call(members(g.group()), g.question(), g.done());
        return this;
    }

    /**
     * Members answer through a plain callback, on their own threads: for a caller that waits anyway (fsync,
     * a flush), no gathering actor and no ask to hand the answers over.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void call(List<Entry> targets, Function question, Consumer done) {
        if (targets.isEmpty()) {
            done.accept(List.of());
            return;
        }
        Answers answers = new Answers(targets.size(), done);
        for (Entry entry : targets) {
            entry.deliver((M) question.apply((Consumer) answers::add));
        }
    }

    /** Collects a known number of answers, then hands all of them over once. */
    private static final class Answers<R> {
        private final List<R> answers;
        private final int expected;
        private final Consumer<List<R>> done;

        Answers(int expected, Consumer<List<R>> done) {
            this.answers = new ArrayList<>(expected);
            this.expected = expected;
            this.done = done;
        }

        void add(R answer) {
            synchronized (this) {
                answers.add(answer);
                if (answers.size() < expected) {
                    return;
                }
            }
            done.accept(answers);
        }
    }

    private List<Entry> members(Object group) {
        java.util.Set<K> keys = groups.get(group);
        if (keys == null) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>(keys.size());
        keys.forEach(k -> out.add(entities.get(k)));
        return out;
    }

    private void remove(K key) {
        entities.remove(key);
        Object group = groupOf.apply(key);
        java.util.Set<K> members = groups.get(group);
        if (members != null && members.remove(key) && members.isEmpty()) {
            groups.remove(group);
        }
    }

    private Behavior<Command> onCountLive(CountLive c) {
        c.replyTo().tell(entities.size());
        return this;
    }

    private Entry spawn(K key) {
        ActorRef<M> ref = getContext().spawn(factory.apply(key, getContext().getSelf()), namePrefix + "-" + (spawned++), props);
        getContext().watchWith(ref, new Stopped<>(key, ref));
        Entry entry = new Entry(ref);
        entities.put(key, entry);
        groups.computeIfAbsent(groupOf.apply(key), g -> new java.util.HashSet<>()).add(key);
        return entry;
    }
}
