package dev.osprey.server.tracking;

import java.util.concurrent.ThreadLocalRandom;

/** Readable generated run names of the form {@code adjective-noun-N}, as MLflow gives unnamed runs. */
public final class RunNames {
    private static final String[] ADJECTIVES = {
        "able", "agile", "amazing", "ambitious", "bold", "brave", "bright", "calm", "capable", "clean", "clever",
        "crisp", "curious", "dapper", "eager", "easy", "fair", "fast", "fearless", "gentle", "glamorous", "grand",
        "honest", "keen", "kind", "lively", "lucky", "merciful", "nimble", "orderly", "patient", "polite", "quick",
        "quiet", "rare", "resilient", "rogue", "sassy", "shy", "silent", "smiling", "stately", "sincere", "swift",
        "tasteful", "thoughtful", "unique", "upbeat", "vaunted", "victorious", "wise", "zealous"
    };
    private static final String[] NOUNS = {
        "ant", "ape", "auk", "bass", "bat", "bear", "bee", "bird", "boar", "cat", "carp", "colt", "cow", "crab",
        "crane", "crow", "deer", "doe", "dove", "duck", "eel", "elk", "finch", "fish", "foal", "fox", "frog", "goat",
        "gull", "hare", "hawk", "hen", "hog", "horse", "jay", "kit", "lamb", "lark", "lion", "lynx", "mink", "mole",
        "moth", "mouse", "newt", "osprey", "owl", "ox", "panda", "pig", "ram", "rat", "robin", "seal", "shark",
        "sheep", "shrew", "skink", "sloth", "snail", "snake", "squid", "stag", "swan", "toad", "trout", "wasp",
        "whale", "wolf", "worm", "wren", "yak", "zebra"
    };

    private RunNames() {}

    public static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return ADJECTIVES[r.nextInt(ADJECTIVES.length)] + "-" + NOUNS[r.nextInt(NOUNS.length)] + "-"
                + r.nextInt(1000);
    }
}
