// LeaseTarget: where a client's unit of work runs — a cluster, and its primary or a reader.

/// The cluster and role a unit of work needs.
struct LeaseTarget: Hashable {
    /// Which of the cluster's servers may run it.
    enum Role: Hashable {
        /// The primary: writes, transactions, session state.
        case primary
        /// A replica chosen by load balancing (or the primary, as `primary_reads` allows).
        case replica
    }

    var cluster: String
    var role: Role
}
