package dev.osprey.search;

/** What a clause or order item refers to: an entity attribute or a keyed collection of the entity. */
public enum Field {
    ATTRIBUTE, METRIC, PARAM, TAG, DATASET, METADATA, SPAN
}
