# syntax=docker/dockerfile:1
# Multi-stage build: a static tailsynth binary on a minimal non-root image.
#   docker build -t tailsynth .
#   docker run -p 8080:8080 -v tailsynth-data:/data \
#     -e TAILSYNTH_SERVER_API_KEYS=$(openssl rand -hex 32) tailsynth

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary with SQLite from modernc.org and the GAN's and
# CNN judge's float32 products on internal/sgemm's assembly kernels
# (AVX-512 or AVX2/FMA, the widest the CPU has, picked at run time;
# gonum's pure-Go BLAS elsewhere). The fast training path needs no cgo, so the image has it.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/tailsynth ./cmd/tailsynth \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tailsynth /usr/local/bin/tailsynth
COPY --from=build --chown=65532:65532 /out/data /data
COPY configs/example.yaml /etc/tailsynth/example.yaml
USER 65532:65532
ENV TAILSYNTH_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
# Listening beyond loopback requires an API key (TAILSYNTH_SERVER_API_KEYS).
ENTRYPOINT ["/usr/local/bin/tailsynth"]
CMD ["serve", "--addr", ":8080"]
