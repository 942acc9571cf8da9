/** The training service's NestJS module: config, metrics, queue producer, registry reads, gRPC controller. */
import { DynamicModule, Module } from '@nestjs/common';
import { ServiceHealth } from '../../common/src/health';
import { JobsService } from './jobs.service';
import { ModelsService } from './models.service';
import { TrainingController } from './training.controller';
import { TRAINING_CONFIG, TrainingServiceConfig } from './training.config';
import { TrainingMetrics } from './training.metrics';

/** Root module; built with forRoot(config) so main.ts and tests pass the same config. */
@Module({})
export class TrainingModule {
  /** The module for one service instance. */
  static forRoot(config: TrainingServiceConfig, metrics: TrainingMetrics, health?: ServiceHealth): DynamicModule {
    return {
      module: TrainingModule,
      controllers: [TrainingController],
      providers: [{ provide: TRAINING_CONFIG, useValue: config }, { provide: TrainingMetrics, useValue: metrics }, ...(health ? [{ provide: ServiceHealth, useValue: health }] : []), JobsService, ModelsService],
      exports: [JobsService],
    };
  }
}
