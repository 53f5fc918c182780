package dev.apollo.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** How enum constants are spelled in HOCON: lower-case with '-' for '_' (LVPS_REF is {@code lvps-ref}). */
final class EnumNames {

    private EnumNames() {}

    static String toHocon(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E>> Optional<E> fromHocon(Class<E> type, String text) {
        return Arrays.stream(type.getEnumConstants()).filter(value -> toHocon(value).equals(text)).findFirst();
    }

    /** The allowed spellings, in declaration order, for error messages. */
    static String allowed(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(EnumNames::toHocon).collect(Collectors.joining(", "));
    }
}
