import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A bank Facebook Page this service is the webhook of. The access token is stored sealed. */
@Entity({ name: 'pages' })
export class PageEntity {
  @PrimaryColumn({ name: 'page_id', type: 'text' })
  pageId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'access_token_sealed', type: 'text', select: false })
  accessTokenSealed!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
