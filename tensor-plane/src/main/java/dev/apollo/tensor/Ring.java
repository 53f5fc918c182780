package dev.apollo.tensor;

import java.util.List;

/** The ranks of one exchange, in ring order, and this process's place among them. */
public record Ring(List<Endpoint> members, int rank) {

    public Ring {
        members = List.copyOf(members);
        if (rank < 0 || rank >= members.size()) {
            throw new IllegalArgumentException("rank " + rank + " outside a ring of " + members.size());
        }
    }

    public int size() {
        return members.size();
    }
}
