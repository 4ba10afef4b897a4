/* Probe guest, WAGI convention: reports what the sandbox lets it see, as JSON, status 200:
   {"env":{"NAME":"value",...},"etc_passwd_opened":B,"dot_dir_opened":B,"stdin_length":N}
   env holds every environment variable in the order the host gave them. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void json_string(const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { putchar('\\'); putchar(c); }
        else if (c < 0x20) { printf("\\u00%c%c", hex[c >> 4], hex[c & 15]); }
        else putchar(c);
    }
    putchar('"');
}

int main(void) {
    unsigned long long in = 0;
    static char buf[65536];
    for (;;) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r <= 0) break;
        in += (unsigned long long)r;
    }
    FILE *f = fopen("/etc/passwd", "r");
    int passwd = f != NULL;
    if (f) fclose(f);
    DIR *d = opendir(".");
    int dot = d != NULL;
    if (d) closedir(d);

    fputs("Status: 200\nContent-Type: application/json\n\n{\"env\":{", stdout);
    int first = 1;
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t kl = eq ? (size_t)(eq - *e) : strlen(*e);
        if (!first) putchar(',');
        first = 0;
        json_string(*e, kl);
        putchar(':');
        if (eq) json_string(eq + 1, strlen(eq + 1)); else json_string("", 0);
    }
    printf("},\"etc_passwd_opened\":%s,\"dot_dir_opened\":%s,\"stdin_length\":%llu}",
           passwd ? "true" : "false", dot ? "true" : "false", in);
    return fflush(stdout) == 0 ? 0 : 1;
}
