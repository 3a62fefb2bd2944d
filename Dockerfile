# secops-bot: docker build -t secops-bot . && docker run --env-file .env -p 3000:3000 secops-bot
FROM node:20-bookworm-slim AS build
WORKDIR /app
# python3/make/g++ build better-sqlite3 when no prebuilt binary matches
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY package.json main.ts tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
# The default store (DATABASE_URL=sqlite:./data/…) is created here, so the unprivileged user must own it.
RUN mkdir data && chown node:node data
VOLUME /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "main.ts"]
