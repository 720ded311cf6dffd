// Fork, release together, wait: one copy for every cross-process test.
#include "tests/support/together.h"

#include <sys/wait.h>
#include <unistd.h>

#include <vector>

namespace pullguard::testing {

int RunTogether(int n, const std::function<int(int)>& child) {
  int go[2];
  if (pipe(go) != 0) return n;
  std::vector<pid_t> kids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) {
      close(go[1]);
      char c;
      // Every child starts when the parent closes the pipe (read returns 0).
      if (read(go[0], &c, 1) < 0) _exit(3);
      _exit(child(i));
    }
    kids.push_back(pid);
  }
  close(go[0]);
  close(go[1]);
  int failures = n - static_cast<int>(kids.size());
  for (pid_t k : kids) {
    int status = 0;
    if (waitpid(k, &status, 0) != k || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++failures;
    }
  }
  return failures;
}

}  // namespace pullguard::testing
