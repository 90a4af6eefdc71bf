package io.tgcryptfs.cli;

import io.tgcryptfs.backend.telegram.CheckResult;
import io.tgcryptfs.backend.telegram.TelegramBlobStore;
import io.tgcryptfs.backend.telegram.TelegramSettings;
import io.tgcryptfs.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "telegram", mixinStandardHelpOptions = true, subcommands = TelegramCommand.Check.class,
        description = "Telegram backend tools.")
final class TelegramCommand implements Runnable {
    @Override
    public void run() {
        throw new CliException("try: tgcryptfs telegram check");
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Verify the Telegram settings: every token works, and every bot can post, pin, download "
                    + "and delete in every chat. Prints one line per check and a reason for each failure.")
    static final class Check implements Callable<Integer> {
        @Mixin
        VolumeOptions options;

        @Override
        public Integer call() throws Exception {
            Settings settings = options.settings();
            TelegramSettings telegram;
            try {
                telegram = TelegramSettings.from(settings.raw());
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            try (TelegramBlobStore store = TelegramBlobStore.create(telegram)) {
                List<CheckResult> results = store.check();
                results.forEach(System.out::println);
                boolean failed = results.stream().anyMatch(r -> r.outcome() == CheckResult.Outcome.FAILED);
                System.out.println(failed ? "telegram check: FAILED" : "telegram check: ok");
                return failed ? Main.FAILURE : 0;
            }
        }
    }
}
