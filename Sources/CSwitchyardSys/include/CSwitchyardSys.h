// System calls that Swift's Glibc module does not export: epoll, accept4, eventfd, socket options.
#ifndef C_SWITCHYARD_SYS_H
#define C_SWITCHYARD_SYS_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

/// One readiness event: the registration token and the epoll event bits.
typedef struct {
    uint64_t token;
    uint32_t events;
} sy_event;

enum {
    SY_EPOLLIN = 0x001,
    SY_EPOLLOUT = 0x004,
    SY_EPOLLERR = 0x008,
    SY_EPOLLHUP = 0x010,
    SY_EPOLLRDHUP = 0x2000,
    SY_EPOLLET = (int)(1u << 31),
};

int sy_epoll_create(void);
/// Adds `fd` to the set with `events`, tagged with `token`. Returns 0 or -1 (errno set).
int sy_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int sy_epoll_modify(int epfd, int fd, uint32_t events, uint64_t token);
int sy_epoll_remove(int epfd, int fd);
/// Waits up to `timeout_ms` (0 = poll) and fills at most `max` events. Returns the count or -1.
int sy_epoll_wait(int epfd, sy_event *out, int max, int timeout_ms);

/// Like sy_epoll_wait with a timeout in nanoseconds (epoll_pwait2; millisecond fallback).
int sy_epoll_wait_ns(int epfd, sy_event *out, int max, long timeout_ns);

/// Reads and discards an eventfd's counter.
void sy_eventfd_drain(int fd);
/// Adds one to an eventfd's counter, waking whoever polls it.
void sy_eventfd_signal(int fd);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int sy_accept(int fd, struct sockaddr *addr, socklen_t *len);
/// A non-blocking, close-on-exec TCP socket for `family`.
int sy_tcp_socket(int family);
int sy_set_nodelay(int fd);
int sy_set_reuseaddr(int fd);
int sy_set_reuseport(int fd);
int sy_set_keepalive(int fd);
/// The pending socket error (SO_ERROR), or -1 when it cannot be read.
int sy_socket_error(int fd);
/// send() with MSG_NOSIGNAL.
ssize_t sy_send(int fd, const void *buf, size_t len);
/// sendmsg() of an iovec array with MSG_NOSIGNAL.
ssize_t sy_writev(int fd, const struct iovec *iov, int count);

int sy_eventfd(void);
/// Raises RLIMIT_NOFILE's soft limit towards the hard limit; returns the effective soft limit.
long sy_raise_nofile_limit(long wanted);

#endif
