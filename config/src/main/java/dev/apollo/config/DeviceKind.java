package dev.apollo.config;

/** Device selection for the worker. */
public enum DeviceKind {
    AUTO,
    CPU,
    GPU
}
