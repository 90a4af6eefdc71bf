package io.tgcryptfs.engine;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The passivation handshake with a toy entity whose idleness the test controls. */
class EntityRegistryTest {
    private static ActorTestKit testKit;

    interface Msg {
    }

    record Echo(int n, Consumer<Reply> reply) implements Msg {
    }

    /** The entity asks to passivate, then confirms to {@code replyTo}. */
    record GoIdle(ActorRef<Reply> replyTo) implements Msg {
    }

    /** From now on the entity refuses to stop. */
    enum StayBusy implements Msg {
        INSTANCE
    }

    /** From now on the entity holds on to a Stop until told {@link ReallyStop}: passivation stays in progress. */
    enum HoldStop implements Msg {
        INSTANCE
    }

    enum ReallyStop implements Msg {
        INSTANCE
    }

    enum Stop implements Msg {
        INSTANCE
    }

    record Reply(String key, int incarnation, int n) {
    }

    private final Map<String, AtomicInteger> incarnations = new ConcurrentHashMap<>();
    private final Map<String, ActorRef<Msg>> current = new ConcurrentHashMap<>();
    private ActorRef<EntityRegistry.Command> registry;

    @BeforeAll
    static void startSystem() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stopSystem() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void spawnRegistry() {
        registry = testKit.spawn(EntityRegistry.<String, Msg>create("toy", this::entity, Stop.INSTANCE, Props.empty()));
    }

    private Behavior<Msg> entity(String key, ActorRef<EntityRegistry.Command> reg) {
        return Behaviors.setup(ctx -> {
            int incarnation = incarnations.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            current.put(key, ctx.getSelf());
            boolean[] busy = {false};
            boolean[] holdStop = {false};
            return Behaviors.receive(Msg.class)
                    .onMessage(Echo.class, m -> {
                        m.reply().accept(new Reply(key, incarnation, m.n()));
                        return Behaviors.same();
                    })
                    .onMessage(GoIdle.class, m -> {
                        reg.tell(new EntityRegistry.Passivate<>(key, ctx.getSelf()));
                        m.replyTo().tell(new Reply(key, incarnation, -1));
                        return Behaviors.same();
                    })
                    .onMessageEquals(StayBusy.INSTANCE, () -> {
                        busy[0] = true;
                        return Behaviors.same();
                    })
                    .onMessageEquals(HoldStop.INSTANCE, () -> {
                        holdStop[0] = true;
                        return Behaviors.same();
                    })
                    .onMessageEquals(ReallyStop.INSTANCE, Behaviors::stopped)
                    .onMessageEquals(Stop.INSTANCE, () -> {
                        if (busy[0]) {
                            reg.tell(new EntityRegistry.StayAlive<>(key));
                            return Behaviors.same();
                        }
                        return holdStop[0] ? Behaviors.same() : Behaviors.stopped();
                    })
                    .build();
        });
    }

    private void deliver(String key, Msg msg) {
        registry.tell(new EntityRegistry.Deliver<>(key, msg));
    }

    private int countLive() {
        TestProbe<Integer> probe = testKit.createTestProbe();
        registry.tell(new EntityRegistry.CountLive(probe.getRef()));
        return probe.receiveMessage();
    }

    /** Asks {@code key} to passivate and returns once the registry has handled the request. */
    private void passivate(String key, TestProbe<Reply> probe) {
        deliver(key, new GoIdle(probe.getRef()));
        assertEquals(-1, probe.receiveMessage().n());
        countLive(); // the registry handles messages in order: the Passivate was queued before this
    }

    private void capAt(int maxLive) {
        registry = testKit.spawn(EntityRegistry.<String, Msg>create("capped", this::entity, Stop.INSTANCE, Props.empty(),
                k -> k, maxLive));
    }

    private void awaitLive(TestProbe<?> probe, int expected) {
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertEquals(expected, countLive());
            return null;
        });
    }

    @Test
    void pastTheCap_theLeastRecentlyUsedEntityStops_andComesBackOnItsNextMessage() {
        capAt(2);
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("a", new Echo(1, probe.getRef()::tell));
        deliver("b", new Echo(2, probe.getRef()::tell));
        deliver("a", new Echo(3, probe.getRef()::tell)); // b is now the least recently used
        deliver("c", new Echo(4, probe.getRef()::tell));
        assertEquals(java.util.Set.of(new Reply("a", 1, 1), new Reply("b", 1, 2), new Reply("a", 1, 3), new Reply("c", 1, 4)),
                new java.util.HashSet<>(probe.receiveSeveralMessages(4))); // entities answer in any order among themselves
        awaitLive(probe, 2);

        deliver("b", new Echo(5, probe.getRef()::tell));
        assertEquals(new Reply("b", 2, 5), probe.receiveMessage(), "a fresh b gets the message");
        awaitLive(probe, 2); // and a, now the least recently used, went
        deliver("c", new Echo(6, probe.getRef()::tell));
        assertEquals(new Reply("c", 1, 6), probe.receiveMessage());
        assertEquals(1, incarnations.get("a").get());
    }

    @Test
    void pastTheCap_aBusyEntityStays_andTheNextOnesInLineGo() {
        capAt(2);
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("a", StayBusy.INSTANCE);
        deliver("a", new Echo(1, probe.getRef()::tell));
        deliver("b", new Echo(2, probe.getRef()::tell));
        deliver("c", new Echo(3, probe.getRef()::tell)); // a is asked first and refuses
        probe.receiveSeveralMessages(3);
        deliver("a", new Echo(4, probe.getRef()::tell));
        assertEquals(new Reply("a", 1, 4), probe.receiveMessage(), "the busy entity kept its incarnation and its messages");
        deliver("d", new Echo(5, probe.getRef()::tell)); // b and c are now the least recently used
        assertEquals(new Reply("d", 1, 5), probe.receiveMessage());
        awaitLive(probe, 2);
        deliver("a", new Echo(6, probe.getRef()::tell));
        assertEquals(new Reply("a", 1, 6), probe.receiveMessage());
        assertEquals(1, incarnations.get("b").get());
        assertEquals(1, incarnations.get("c").get());
    }

    @Test
    void deliver_spawnsOneEntityPerKey() {
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("a", new Echo(1, probe.getRef()::tell));
        deliver("b", new Echo(2, probe.getRef()::tell));
        deliver("a", new Echo(3, probe.getRef()::tell));
        List<Reply> replies = probe.receiveSeveralMessages(3);
        assertEquals(3, replies.size());
        assertEquals(2, countLive());
        assertEquals(1, incarnations.get("a").get());
        assertEquals(1, incarnations.get("b").get());
    }

    @Test
    void messagesSentDuringPassivation_reachAFreshEntity_inOrder() {
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("k", new Echo(0, probe.getRef()::tell));
        assertEquals(new Reply("k", 1, 0), probe.receiveMessage());

        passivate("k", probe);
        for (int i = 1; i <= 200; i++) {
            deliver("k", new Echo(i, probe.getRef()::tell));
        }
        List<Reply> replies = probe.receiveSeveralMessages(200);
        for (int i = 1; i <= 200; i++) {
            assertEquals(new Reply("k", 2, i), replies.get(i - 1));
        }
        assertEquals(1, countLive());
    }

    @Test
    void entityThatIsBusyAfterAll_staysAlive_andGetsTheBufferedMessages() {
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("k", StayBusy.INSTANCE);
        passivate("k", probe);
        for (int i = 1; i <= 50; i++) {
            deliver("k", new Echo(i, probe.getRef()::tell));
        }
        List<Reply> replies = probe.receiveSeveralMessages(50);
        for (int i = 1; i <= 50; i++) {
            assertEquals(new Reply("k", 1, i), replies.get(i - 1));
        }
        assertEquals(1, incarnations.get("k").get());
    }

    @Test
    void passivatedEntity_leavesTheLiveCount() {
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("a", new Echo(1, probe.getRef()::tell));
        deliver("b", new Echo(1, probe.getRef()::tell));
        probe.receiveSeveralMessages(2);
        passivate("a", probe);
        probe.awaitAssert(Duration.ofSeconds(5), () -> {
            assertEquals(1, countLive());
            return null;
        });
    }

    @Test
    void callAll_reachesEveryMatchingEntity_includingOneMidPassivation() {
        TestProbe<Reply> probe = testKit.createTestProbe();
        for (String k : List.of("x1", "x2", "y1")) {
            deliver(k, new Echo(0, probe.getRef()::tell));
        }
        probe.receiveSeveralMessages(3);
        deliver("x2", HoldStop.INSTANCE);
        passivate("x2", probe); // x2 now holds its Stop: the registry buffers for it

        TestProbe<List<Reply>> answers = testKit.createTestProbe();
        registry.tell(new EntityRegistry.CallAll<String, Msg, Reply>(k -> k.startsWith("x"), r -> new Echo(7, r),
                answers.getRef()::tell));
        answers.expectNoMessage(Duration.ofMillis(100)); // x2's question waits in the buffer
        current.get("x2").tell(ReallyStop.INSTANCE);

        List<Reply> all = answers.receiveMessage();
        assertEquals(List.of(new Reply("x1", 1, 7), new Reply("x2", 2, 7)),
                all.stream().sorted(java.util.Comparator.comparing(Reply::key)).toList());
    }

    @Test
    void callAll_withNoMatchingEntity_answersAnEmptyList_withoutSpawning() {
        TestProbe<List<Reply>> answers = testKit.createTestProbe();
        registry.tell(new EntityRegistry.CallAll<String, Msg, Reply>(k -> true, r -> new Echo(7, r), answers.getRef()::tell));
        assertEquals(List.of(), answers.receiveMessage());
        assertEquals(0, countLive());
    }

    @Test
    void broadcast_reachesLiveMatchingEntities_only() {
        TestProbe<Reply> probe = testKit.createTestProbe();
        deliver("a1", new Echo(0, probe.getRef()::tell));
        deliver("b1", new Echo(0, probe.getRef()::tell));
        probe.receiveSeveralMessages(2);
        registry.tell(new EntityRegistry.Broadcast<String, Msg>(k -> k.startsWith("a"), new Echo(5, probe.getRef()::tell)));
        assertEquals(new Reply("a1", 1, 5), probe.receiveMessage());
        probe.expectNoMessage(Duration.ofMillis(100));
        assertEquals(2, countLive());
    }

    @Test
    void groupMessages_reachTheLiveEntitiesOfThatGroupOnly_throughTheIndex() {
        ActorRef<EntityRegistry.Command> grouped = testKit.spawn(EntityRegistry.<String, Msg>create("grouped",
                this::entity, Stop.INSTANCE, Props.empty(), key -> key.substring(0, 1)));
        TestProbe<Reply> replies = testKit.createTestProbe();
        for (String key : List.of("a1", "a2", "b1")) {
            grouped.tell(new EntityRegistry.Deliver<>(key, new Echo(0, replies.getRef()::tell)));
            replies.expectMessageClass(Reply.class);
        }
        TestProbe<List<Reply>> answers = testKit.createTestProbe();
        grouped.tell(new EntityRegistry.GroupCall<Msg, Reply>("a", r -> new Echo(7, r), answers.getRef()::tell));
        List<Reply> fromA = answers.receiveMessage();
        assertEquals(List.of("a1", "a2"), fromA.stream().map(Reply::key).sorted().toList());

        grouped.tell(new EntityRegistry.GroupBroadcast<Msg>("b", new Echo(9, replies.getRef()::tell)));
        assertEquals("b1", replies.receiveMessage().key());
        replies.expectNoMessage(Duration.ofMillis(100));

        grouped.tell(new EntityRegistry.GroupCall<Msg, Reply>("z", r -> new Echo(1, r), answers.getRef()::tell));
        assertEquals(List.of(), answers.receiveMessage(), "a group with no live entity answers at once");
    }
}
