/* The floor for one exec: a static C program that reads the request (as kubelet closes stdin,
 * read to EOF) and writes a fixed CredentialProviderResponse. No parsing, no files, no libraries
 * to load: what any credential provider pays just to be a process. Built with -static -O2. */
#include <unistd.h>

static const char kResponse[] =
    "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\"credentialprovider.kubelet.k8s.io/"
    "v1\",\"cacheKeyType\":\"Registry\",\"cacheDuration\":\"5m\",\"auth\":{\"registry.bench:5000\":"
    "{\"username\":\"alice\",\"password\":\"floor\"}}}\n";

int main(void) {
  char buf[16384];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
  }
  if (n < 0) return 1;
  return write(1, kResponse, sizeof kResponse - 1) == (ssize_t)(sizeof kResponse - 1) ? 0 : 1;
}
