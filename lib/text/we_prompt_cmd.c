/* we_prompt_cmd.c - an external command in place of the prompt lexicon:
 * split without a shell, fork/exec, prompt on stdin, one validated answer
 * line on stdout, a timeout that kills the command's process group. */
#include "we_prompt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_MAX 4096

void we_prompt_argv_free(char **argv)
{
    if (!argv) return;
    for (char **p = argv; *p; p++) free(*p);
    free(argv);
}

we_status we_prompt_split_command(const char *cmd, char ***argv_out, int *argc_out)
{
    size_t n = strlen(cmd);
    char **argv = calloc(n / 2 + 2, sizeof *argv); /* at most (n+1)/2 words */
    char *word = malloc(n + 1);
    if (!argv || !word) {
        free(argv); free(word);
        return we_err_set(WE_ENOMEM, "out of memory splitting a command");
    }
    int argc = 0;
    size_t i = 0;
    while (1) {
        while (i < n && (cmd[i] == ' ' || cmd[i] == '\t' || cmd[i] == '\n')) i++;
        if (i >= n) break;
        size_t k = 0;
        while (i < n && cmd[i] != ' ' && cmd[i] != '\t' && cmd[i] != '\n') {
            char c = cmd[i++];
            if (c == '\'') {
                while (i < n && cmd[i] != '\'') word[k++] = cmd[i++];
                if (i >= n) goto unterminated;
                i++;
            } else if (c == '"') {
                while (i < n && cmd[i] != '"') {
                    if (cmd[i] == '\\' && i + 1 < n && (cmd[i + 1] == '"' || cmd[i + 1] == '\\')) i++;
                    word[k++] = cmd[i++];
                }
                if (i >= n) goto unterminated;
                i++;
            } else if (c == '\\') {
                if (i < n) word[k++] = cmd[i++];
            } else {
                word[k++] = c;
            }
        }
        word[k] = 0;
        argv[argc] = strdup(word);
        if (!argv[argc]) {
            free(word);
            we_prompt_argv_free(argv);
            return we_err_set(WE_ENOMEM, "out of memory splitting a command");
        }
        argc++;
    }
    free(word);
    if (!argc) {
        we_prompt_argv_free(argv);
        return we_err_set(WE_EUSAGE, "empty prompt command");
    }
    *argv_out = argv;
    if (argc_out) *argc_out = argc;
    return WE_OK;
unterminated:
    free(word);
    we_prompt_argv_free(argv);
    return we_err_set(WE_EUSAGE, "unterminated quote in prompt command '%.60s'", cmd);
}

/* Printable quote of an answer for an error message. */
static void quote(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') { dst[k++] = '\\'; dst[k++] = 'n'; }
        else if (c < 32 || c >= 127) k += (size_t)snprintf(dst + k, cap - k, "\\x%02x", c);
        else dst[k++] = (char)c;
    }
    if (k + 4 < cap && cap > 4 && n && k >= cap - 6) { dst[k++] = '.'; dst[k++] = '.'; dst[k++] = '.'; }
    dst[k] = 0;
}

we_status we_prompt_parse_answer(const char *out, size_t n, we_prompt_result *r)
{
    char q[96];
    quote(q, sizeof q, out, n);
    size_t len = n;
    if (len && out[len - 1] == '\n') len--;
    if (len && out[len - 1] == '\r') len--;
    if (!len) return we_err_set(WE_EDATA, "prompt command printed nothing (want 'EMOTION INTENSITY')");
    if (len > 200 || memchr(out, '\n', len) || memchr(out, 0, len))
        return we_err_set(WE_EDATA, "prompt command must print one line 'EMOTION INTENSITY', got '%s'", q);
    char line[208], emo[208], rest[208];
    memcpy(line, out, len);
    line[len] = 0;
    char *save = NULL, *w1 = strtok_r(line, " \t", &save), *w2 = strtok_r(NULL, " \t", &save);
    if (!w1 || !w2 || strtok_r(NULL, " \t", &save))
        return we_err_set(WE_EDATA, "prompt command must print 'EMOTION INTENSITY', got '%s'", q);
    size_t i;
    for (i = 0; w1[i]; i++) emo[i] = (char)tolower((unsigned char)w1[i]);
    emo[i] = 0;
    int id = we_prompt_emotion_id(emo);
    if (id < 0)
        return we_err_set(WE_EDATA, "prompt command answered an unknown emotion '%.40s' (want one of "
                          "neutral happy sad surprise fear disgust anger contempt)", w1);
    char *end;
    errno = 0;
    double v = strtod(w2, &end);
    snprintf(rest, sizeof rest, "%s", end);
    if (end == w2 || *end || errno || !isfinite(v) || v < 0 || v > 1)
        return we_err_set(WE_EDATA, "prompt command answered intensity '%.40s' (want a number in [0, 1])", w2);
    memset(r, 0, sizeof *r);
    r->emotion = id;
    r->intensity = v;
    return WE_OK;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL); /* in case setpgid failed in the child */
}

we_status we_prompt_run_command(const char *cmd, const char *prompt, double timeout_s,
                                we_prompt_result *r)
{
    char **argv;
    we_status s = we_prompt_check(prompt);
    if (s) return s;
    s = we_prompt_split_command(cmd, &argv, NULL);
    if (s) return s;
    /* the prompt goes through an unlinked temporary file, so a command that
     * never reads its stdin cannot block us or raise SIGPIPE */
    FILE *in = tmpfile();
    if (!in) {
        we_prompt_argv_free(argv);
        return we_err_set(WE_EIO, "cannot create a temporary file for the prompt: %s", strerror(errno));
    }
    size_t plen = strlen(prompt);
    if (fwrite(prompt, 1, plen, in) != plen || fputc('\n', in) == EOF || fflush(in) || fseek(in, 0, SEEK_SET)) {
        fclose(in);
        we_prompt_argv_free(argv);
        return we_err_set(WE_EIO, "cannot write the prompt to a temporary file");
    }
    int pfd[2], efd[2];
    if (pipe2(pfd, O_CLOEXEC)) {
        fclose(in);
        we_prompt_argv_free(argv);
        return we_err_set(WE_EIO, "pipe: %s", strerror(errno));
    }
    /* exec failure is reported through a close-on-exec pipe */
    if (pipe2(efd, O_CLOEXEC)) {
        close(pfd[0]); close(pfd[1]);
        fclose(in);
        we_prompt_argv_free(argv);
        return we_err_set(WE_EIO, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]); close(pfd[1]); close(efd[0]); close(efd[1]);
        fclose(in);
        we_prompt_argv_free(argv);
        return we_err_set(WE_EINTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(fileno(in), 0) < 0 || dup2(pfd[1], 1) < 0) _exit(127);
        execvp(argv[0], argv);
        int e = errno;
        if (write(efd[1], &e, sizeof e) < 0) { /* nothing more to do */ }
        _exit(127);
    }
    setpgid(pid, pid); /* both sides, to win the race with exec */
    close(pfd[1]);
    close(efd[1]);
    fclose(in);
    int eno = 0;
    ssize_t got = read(efd[0], &eno, sizeof eno);
    close(efd[0]);
    if (got == (ssize_t)sizeof eno) {
        close(pfd[0]);
        waitpid(pid, NULL, 0);
        s = we_err_set(WE_ENOINPUT, "cannot run prompt command '%s': %s", argv[0], strerror(eno));
        we_prompt_argv_free(argv);
        return s;
    }

    char buf[ANSWER_MAX + 1];
    size_t n = 0;
    int too_long = 0, timed_out = 0;
    double deadline = mono() + (timeout_s > 0 ? timeout_s : 1e9);
    for (;;) {
        double left = deadline - mono();
        if (left <= 0) { timed_out = 1; break; }
        struct pollfd p = {pfd[0], POLLIN, 0};
        int pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) break;
        if (pr == 0) continue;
        char tmp[1024];
        ssize_t k = read(pfd[0], tmp, sizeof tmp);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        size_t take = (size_t)k;
        if (n + take > ANSWER_MAX) { take = ANSWER_MAX - n; too_long = 1; }
        memcpy(buf + n, tmp, take);
        n += take;
        if (too_long) break;
    }
    close(pfd[0]);
    int status = 0, reaped = 0;
    while (!timed_out && !too_long) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) { reaped = 1; break; }
        if (w < 0 && errno != EINTR) break;
        if (mono() >= deadline) { timed_out = 1; break; }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (!reaped) {
        kill_group(pid);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    }
    if (timed_out)
        s = we_err_set(WE_EINTERNAL, "prompt command '%s' did not finish within %g s (killed)", argv[0], timeout_s);
    else if (too_long)
        s = we_err_set(WE_EDATA, "prompt command '%s' printed more than %d bytes", argv[0], ANSWER_MAX);
    else if (WIFSIGNALED(status))
        s = we_err_set(WE_EINTERNAL, "prompt command '%s' was killed by signal %d", argv[0], WTERMSIG(status));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        s = we_err_set(WE_EINTERNAL, "prompt command '%s' exited with status %d", argv[0], WEXITSTATUS(status));
    else
        s = we_prompt_parse_answer(buf, n, r);
    we_prompt_argv_free(argv);
    return s;
}
