# A static docketd on a distroless base: no shell, non-root, zone data built into the binary (time/tzdata).
#   docker build -t docketd .
#   docker run -v docketd:/var/lib/docketd -v $PWD/docketd.toml:/etc/docketd/docketd.toml:ro -p 8080:8080 docketd
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/docketd ./cmd/docketd \
 && mkdir -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/docketd /usr/local/bin/docketd
COPY --from=build --chown=nonroot:nonroot /out/state /var/lib/docketd
USER nonroot:nonroot
WORKDIR /var/lib/docketd
VOLUME /var/lib/docketd
EXPOSE 8080
# Set [http] listen = "0.0.0.0:8080" and [database] url = "sqlite:/var/lib/docketd/docketd.db" in the config.
ENTRYPOINT ["/usr/local/bin/docketd"]
CMD ["run", "--config", "/etc/docketd/docketd.toml"]
