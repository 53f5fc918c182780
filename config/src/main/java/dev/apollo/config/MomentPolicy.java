package dev.apollo.config;

/**
 * What happens to Adam's moments at a stage expansion: COPY follows the weights' copy map, RESET zeroes them,
 * INPLACE keeps each slot's own moments whatever weight lands in it (what the authors' released code does).
 */
public enum MomentPolicy {
    COPY,
    RESET,
    INPLACE
}
