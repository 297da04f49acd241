// Thin wrappers over Linux system calls for the event loop and sockets.
#define _GNU_SOURCE
#include "CSwitchyardSys.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int sy_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int sy_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev = {.events = events, .data.u64 = token};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int sy_epoll_modify(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev = {.events = events, .data.u64 = token};
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

int sy_epoll_remove(int epfd, int fd) {
    struct epoll_event ev = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}

int sy_epoll_wait(int epfd, sy_event *out, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n;
    do {
        n = epoll_wait(epfd, evs, max, timeout_ms);
    } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        out[i].token = evs[i].data.u64;
        out[i].events = evs[i].events;
    }
    return n;
}

int sy_epoll_wait_ns(int epfd, sy_event *out, int max, long timeout_ns) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000L, .tv_nsec = timeout_ns % 1000000000L};
    int n;
    do {
        n = epoll_pwait2(epfd, evs, max, &ts, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ENOSYS) {
        int ms = (int)((timeout_ns + 999999L) / 1000000L);
        do {
            n = epoll_wait(epfd, evs, max, ms);
        } while (n < 0 && errno == EINTR);
    }
    for (int i = 0; i < n; i++) {
        out[i].token = evs[i].data.u64;
        out[i].events = evs[i].events;
    }
    return n;
}

void sy_eventfd_drain(int fd) {
    uint64_t value;
    ssize_t r = read(fd, &value, sizeof value);
    (void)r;
}

void sy_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t r = write(fd, &one, sizeof one);
    (void)r;
}

int sy_accept(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int sy_tcp_socket(int family) { return socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

int sy_set_nodelay(int fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int sy_set_reuseaddr(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

int sy_set_reuseport(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
}

int sy_set_keepalive(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

int sy_socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -1;
    return err;
}

ssize_t sy_send(int fd, const void *buf, size_t len) { return send(fd, buf, len, MSG_NOSIGNAL); }

ssize_t sy_writev(int fd, const struct iovec *iov, int count) {
    struct msghdr msg = {0};
    msg.msg_iov = (struct iovec *)iov;
    msg.msg_iovlen = (size_t)count;
    return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

int sy_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

long sy_raise_nofile_limit(long wanted) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    rlim_t target = (rlim_t)wanted;
    if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max) target = rl.rlim_max;
    if (target > rl.rlim_cur) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = target;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = old;
    }
    return (long)rl.rlim_cur;
}
