package io.tgcryptfs.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** How {@link Micro} reports a benchmark: the baseline method of the same class (same params) and the bytes one op moves. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Row {
    /** Method name of the baseline in the same class; empty for a baseline itself. */
    String baseline() default "";

    /** Bytes per operation for MB/s; 0 for none. */
    int bytes() default 0;
}
